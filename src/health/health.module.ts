import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { Readiness } from './readiness';

/**
 * Health endpoints. Terminus's own log line per failed check stays off: a
 * balancer polls readiness every second during an outage, and the database
 * supervisor already logs the outage once, when it starts and when it ends.
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [Readiness],
  exports: [Readiness],
})
export class HealthModule {}
