import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from './config/app-config';
import { AppModule, type AppModuleOptions } from './app.module';
import { REQUEST_ID_HEADER, requestIdFor } from './logging/request-id';

/** Builds the application on Fastify; `main.ts` and the test harness both start here. */
export async function createApp(
  config: AppConfig,
  options: AppModuleOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    genReqId: requestIdFor,
    requestIdHeader: false,
    // While closing, requests on kept-alive connections get 503 and idle connections are dropped.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    trustProxy: config.isProduction ? 'loopback' : false,
  });
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options),
    adapter,
    {
      bufferLogs: true,
      abortOnError: false,
    },
  );
  const logger = app.get(Logger);
  app.useLogger(logger);
  for (const warning of config.warnings) logger.warn(warning, 'Config');
  return app;
}
