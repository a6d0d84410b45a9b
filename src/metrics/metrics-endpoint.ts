import {
  Controller,
  Get,
  Inject,
  Injectable,
  Logger,
  Res,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AppMetrics } from './app-metrics';

/** `GET /metrics` on the application's own port (METRICS_PORT=same; the default outside production). */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: AppMetrics) {}

  @Get()
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    const { contentType, body } = await this.metrics.scrape();
    void reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  }
}

/**
 * `GET /metrics` on a port of its own (METRICS_PORT=<port>), which the load
 * balancer does not expose: operators scrape each replica there.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | undefined;

  constructor(
    private readonly metrics: AppMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.metrics.port;
    if (typeof port !== 'number') return;
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: GET /metrics\n');
        return;
      }
      this.metrics.scrape().then(
        ({ contentType, body }) =>
          response.writeHead(200, { 'content-type': contentType }).end(body),
        (error: Error) => {
          this.logger.error(`Collecting metrics failed: ${error.message}`);
          response.writeHead(500).end();
        },
      );
    });
    server.listen(port, this.config.http.host);
    await once(server, 'listening').catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') throw error;
      throw new Error(`METRICS_PORT ${port} is in use: choose another port or stop what holds it`);
    });
    // Connections of a scraper must not hold the process open at shutdown.
    server.unref();
    this.server = server;
    this.logger.log(`Metrics at http://${this.config.http.host}:${this.port()}/metrics`);
  }

  /** The port it listens on (tests ask for an ephemeral one). */
  port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
