import { Controller, Get } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { DatabaseHealth } from '../database/database-health';
import { Readiness } from './readiness';

/** Liveness and readiness for load balancers and orchestrators (@nestjs/terminus); no authentication. */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: DatabaseHealth,
    private readonly readiness: Readiness,
  ) {}

  /** The original demo's endpoint, kept with its shape. */
  @Get('healthcheck')
  healthcheck(): { uptime: number } {
    return { uptime: process.uptime() };
  }

  /** 200 while the process runs: nothing is checked. */
  @Get('health/live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** 200 when the database answers a ping within 1 s, 503 otherwise, and from SIGTERM on (draining). */
  @Get('health/ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.acceptingRequests(), () => this.databaseUp()]);
  }

  private acceptingRequests(): HealthIndicatorResult {
    const indicator = this.indicators.check('shutdown');
    return this.readiness.draining ? indicator.down({ draining: true }) : indicator.up();
  }

  private async databaseUp(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('database');
    return (await this.database.ping()) ? indicator.up() : indicator.down();
  }
}
