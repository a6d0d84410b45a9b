import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { BrowserNavigation } from './api/browser-navigation';
import { AppModule, type AppModuleOptions } from './app.module';
import { FAVICON_SVG } from './common/http/favicon';
import { legacyGraphPath } from './common/http/legacy-graph-path';
import { API_HEADERS, documentHeaders, isHtml } from './common/http/security-headers';
import type { AppConfig } from './config/app-config';
import { Readiness } from './health/readiness';
import { REQUEST_ID_HEADER, requestIdFor } from './logging/request-id';
import { AppMetrics } from './metrics/app-metrics';
import { recordResponse } from './metrics/request-metrics';

/** Fastify as this service runs it: limits, request ids, proxies, the legacy /graph path. */
export function createAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    // The caller's x-request-id when well-formed, a new UUID otherwise; nestjs-pino logs it.
    genReqId: requestIdFor,
    // Off unless configured: a forwarded address from an untrusted peer would let anyone
    // choose the address rate limits and logs see (docs/deployment.md).
    // (Fastify takes a hop count too; the adapter's type omits it.)
    trustProxy: config.http.trustProxy as boolean | string[],
    rewriteUrl: legacyGraphPath,
    // While closing, requests on kept-alive connections get 503 and idle connections are dropped.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
}

/** Options for building the Nest application on that adapter. */
export const NEST_APPLICATION_OPTIONS = {
  // Start-up lines wait for the pino logger; a failed start is reported once, by the
  // caller (main.ts prints one line for a configuration problem), not by Nest's own logger.
  bufferLogs: true,
  logger: false,
  abortOnError: false,
} as const;

/**
 * The request pipeline, in the order a request meets it. `createApp` and the
 * e2e harness (test/support/test-app.ts) both finish the application here.
 */
export async function configureApp(
  app: NestFastifyApplication,
  config: AppConfig,
): Promise<NestFastifyApplication> {
  const fastify = app.getHttpAdapter().getInstance();
  const logger = app.get(Logger);
  app.useLogger(logger);
  for (const warning of config.warnings) logger.warn(warning, 'Config');

  // 1. CORS: browsers on an allowed origin may call with credentials (the cookie); preflights
  //    are answered here, before anything else runs.
  app.enableCors({
    origin: (origin: string | undefined, callback: (error: Error | null, allow: boolean) => void) =>
      callback(
        null,
        origin !== undefined && config.cors.origins.some((pattern) => pattern.test(origin)),
      ),
    credentials: true,
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowedHeaders: [
      'content-type',
      'authorization',
      'x-request-id',
      'apollo-require-preflight',
      'x-apollo-operation-name',
    ],
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
  });

  // 2. The request line and request context (nestjs-pino's pino-http middleware, LoggingModule):
  //    mounted by init, so it times and logs everything after it.
  await app.init();

  // 3. The request id, echoed to the client.
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });

  // 4. Security headers, set on the way out once the content type is known: helmet's set for
  //    documents, the API set for everything else. While draining for shutdown, answers tell
  //    clients to hang up, so they reconnect to another replica.
  await app.register(fastifyHelmet, {
    global: false,
    ...documentHeaders(config.auth.returnToOrigins),
  });
  const readiness = app.get(Readiness);
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (isHtml(reply.getHeader('content-type'))) reply.helmet();
    else void reply.headers(API_HEADERS);
    if (readiness.draining) void reply.header('connection', 'close');
    done(null, payload);
  });

  // 5. Cookies (the token), then a browser opening /graphql: login redirect or GraphiQL.
  await app.register(fastifyCookie);
  if (config.role !== 'auth') {
    const navigation = app.get(BrowserNavigation);
    fastify.addHook('onRequest', (request, reply, done) =>
      navigation.onRequest(request, reply, done),
    );
  }

  // 6. Routes: Nest's guards, filters (HttpErrorFilter), controllers, and GraphQL with its
  //    Apollo plugins and error formatting (GraphQLApiModule). Browsers ask for a favicon on every
  //    page; a 404 there only fills logs.
  fastify.get('/favicon.ico', (_request, reply) => {
    void reply
      .header('content-type', 'image/svg+xml')
      .header('cache-control', 'public, max-age=86400')
      .send(FAVICON_SVG);
  });

  // 7. When the response is done: request metrics.
  const metrics = app.get(AppMetrics);
  if (metrics.enabled) fastify.addHook('onResponse', recordResponse(metrics));
  return app;
}

/** Builds the application on Fastify; `main.ts` and the CLIs start here. */
export async function createApp(
  config: AppConfig,
  options: AppModuleOptions = {},
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options),
    createAdapter(config),
    NEST_APPLICATION_OPTIONS,
  );
  return configureApp(app, config);
}
