import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DatabaseHealth } from '../database/database-health';

/** Liveness and readiness for load balancers and orchestrators; no authentication. */
@Controller()
export class HealthController {
  constructor(private readonly database: DatabaseHealth) {}

  /** The original demo's endpoint, kept with its shape. */
  @Get('healthcheck')
  healthcheck(): { uptime: number } {
    return { uptime: process.uptime() };
  }

  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ status: string; database: string }> {
    const up = await this.database.ping();
    reply.status(up ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: up ? 'ok' : 'unavailable', database: up ? 'up' : 'down' };
  }
}
