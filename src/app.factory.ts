import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController, type FastifyBaseLogger } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import { Logger } from 'nestjs-pino';
import { featureOn, type AppConfig, type BenchFeature } from './config/app-config';
import { originMatcher } from './config/cors-origins';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import { AppModule, type AppModuleOptions } from './app.module';
import { createRootLogger } from './logging/logging.module';
import { installRequestLog } from './logging/request-log';
import { AppMetrics } from './metrics/app-metrics';
import { installRequestMetrics } from './metrics/request-metrics';
import { REQUEST_ID_HEADER, requestIdFor } from './logging/request-id';
import { legacyGraphPath } from './common/http/legacy-graph-path';
import { isHtml, securityHeaders } from './common/http/security-headers';
import { FAVICON_SVG } from './common/http/favicon';

export interface CreateAppOptions extends Omit<AppModuleOptions, 'logger' | 'metrics'> {
  /** Log lines go here instead of stdout (tests capture them). */
  readonly logDestination?: DestinationStream;
}

/** What the application is built from: the HTTP adapter with this service's wiring, and its logger. */
export interface HttpFoundation {
  readonly adapter: FastifyAdapter;
  readonly rootLogger: PinoLogger;
  readonly metrics: AppMetrics;
}

/**
 * Fastify with everything that happens to every request before Nest sees it:
 * request ids, cookies, security headers, the request log line and request metrics. `createApp`
 * and the e2e harness (test/support/test-app.ts) both build on it.
 */
export async function createHttpFoundation(
  config: AppConfig,
  logDestination?: DestinationStream,
): Promise<HttpFoundation> {
  const rootLogger = createRootLogger(config, logDestination);
  const adapter = new FastifyAdapter({
    loggerInstance: rootLogger,
    // The request line comes from installRequestLog, once, with what this service wants in it;
    // the request id comes from the logger's mixin, so no child logger per request.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger: FastifyBaseLogger) => logger,
    bodyLimit: config.http.bodyLimitBytes,
    genReqId: requestIdFor,
    requestIdHeader: false,
    // While closing, requests on kept-alive connections get 503 and idle connections are dropped.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Off unless configured: a forwarded address from an untrusted peer would let anyone
    // choose the address rate limits and logs see (docs/deployment.md).
    // (Fastify takes a hop count too; the adapter's type omits it.)
    trustProxy: config.http.trustProxy as boolean | string[],
    rewriteUrl: legacyGraphPath,
  });
  const on = (feature: BenchFeature) => featureOn(config, feature);
  if (on('cookies')) await adapter.register(fastifyCookie as never);
  const headers = securityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // The login and sign-up pages carry their styles inline; no script runs there.
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        // The sign-in form's 303 back to an app is a form navigation too: allow exactly the apps.
        formAction: ["'self'", ...config.auth.returnToOrigins],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginResourcePolicy: { policy: 'same-site' },
    // helmet's default (no-referrer) makes browsers send `Origin: null` on form posts,
    // which the origin check of the sign-in form must then refuse.
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  });
  installRequestLog(adapter.getInstance(), {
    idHeader: on('request-id-header') ? REQUEST_ID_HEADER : undefined,
    asyncContext: on('async-context'),
    line: on('request-log'),
  });
  if (on('security-headers'))
    adapter.getInstance().addHook('onSend', (_request, reply, payload, done) => {
      void reply.headers(isHtml(reply.getHeader('content-type')) ? headers.html : headers.api);
      done(null, payload);
    });
  const metrics = new AppMetrics(config.metrics.port !== 'off');
  if (metrics.enabled) installRequestMetrics(adapter.getInstance(), metrics);
  // Browsers ask for it on every page; a 404 there only fills logs.
  adapter.getInstance().get('/favicon.ico', (_request, reply) => {
    void reply
      .header('content-type', 'image/svg+xml')
      .header('cache-control', 'public, max-age=86400')
      .send(FAVICON_SVG);
  });
  return { adapter, rootLogger, metrics };
}

/** Options for building the Nest application on that adapter. */
export const NEST_APPLICATION_OPTIONS = {
  // Start-up lines wait for the pino logger (configureApp); a failed start is reported once,
  // by the caller (main.ts prints one line for a configuration problem), not by Nest's own logger.
  bufferLogs: true,
  logger: false,
  abortOnError: false,
} as const;

/** The application-level settings: the pino logger for Nest, CORS, configuration warnings. */
export function configureApp(
  app: NestFastifyApplication,
  config: AppConfig,
): NestFastifyApplication {
  const logger = app.get(Logger);
  app.useLogger(logger);
  // Browsers on an allowed origin may call with credentials (the cookie); others get no CORS headers.
  if (featureOn(config, 'cors')) enableCors(app, config);
  for (const warning of config.warnings) logger.warn(warning, 'Config');
  return app;
}

function enableCors(app: NestFastifyApplication, config: AppConfig): void {
  const allowedOrigin = originMatcher(config.cors.origins);
  app.enableCors({
    origin: (origin: string | undefined, callback: (error: Error | null, allow: boolean) => void) =>
      callback(null, origin !== undefined && allowedOrigin(origin)),
    credentials: true,
    methods: ['GET', 'POST', 'OPTIONS'],
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
}

/** Builds the application on Fastify; `main.ts` and the CLIs start here. */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const { logDestination, ...moduleOptions } = options;
  const { adapter, rootLogger, metrics } = await createHttpFoundation(config, logDestination);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, { ...moduleOptions, logger: rootLogger, metrics }),
    adapter,
    NEST_APPLICATION_OPTIONS,
  );
  return configureApp(app, config);
}
