import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { createApp } from './app.factory';
import type { AppModuleOptions } from './app.module';
import { installGracefulShutdown } from './common/graceful-shutdown';
import type { AppConfig } from './config/app-config';
import { Readiness } from './health/readiness';

/** Starts the service as a process: listens on the configured port and shuts down gracefully on signals. */
export async function bootstrap(
  config: AppConfig,
  options: AppModuleOptions = {},
): Promise<NestFastifyApplication> {
  const app = await createApp(config, options);
  const logger = app.get(Logger);
  installGracefulShutdown(app, logger, {
    timeoutMs: config.http.shutdownTimeoutMs,
    drainMs: config.http.shutdownDrainMs,
    onDrain: () => (app.get(Readiness).draining = true),
  });
  await app.listen(config.http.port, config.http.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  logger.log(
    `Listening on http://${displayHost(config.http.host)}:${port} (${config.env}, role ${config.role})`,
    'Main',
  );
  return app;
}

/**
 * The host to print for people to open: on all interfaces, `localhost`, because a page on
 * another loopback name (127.0.0.1) would be another site and lose the cookie (docs/frontend.md).
 */
export function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::'
    ? 'localhost'
    : host.includes(':')
      ? `[${host}]`
      : host;
}
