import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from './config/app-config';
import { originMatcher } from './config/cors-origins';
import { AppModule, type AppModuleOptions } from './app.module';
import { REQUEST_ID_HEADER, requestIdFor } from './logging/request-id';

const REQUESTED_URL = Symbol('requestedUrl');

/** The URL the client asked for, before the legacy /graph path was rewritten. */
export function requestedUrl(raw: object & { url?: string }): string {
  return (raw as { [REQUESTED_URL]?: string })[REQUESTED_URL] ?? raw.url ?? '/';
}

function legacyGraphPath(raw: { url?: string }): string {
  const url = raw.url ?? '/';
  if (url !== '/graph' && !url.startsWith('/graph?')) return url;
  (raw as { [REQUESTED_URL]?: string })[REQUESTED_URL] = url;
  return `/graphql${url.slice('/graph'.length)}`;
}

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
    // The demo served GraphQL at /graph; both paths reach the same endpoint.
    rewriteUrl: (req: { url?: string }) => legacyGraphPath(req),
  });
  await adapter.register(fastifyCookie as never);
  await adapter.register(fastifyHelmet as never, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // The login and sign-up pages carry their styles inline; no script runs there.
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginResourcePolicy: { policy: 'same-site' },
    // helmet's default (no-referrer) makes browsers send `Origin: null` on form posts,
    // which the origin check of the sign-in form must then refuse.
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
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
  const allowedOrigin = originMatcher(config.cors.origins);
  // Browsers on an allowed origin may call with credentials (the cookie); others get no CORS headers.
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
  for (const warning of config.warnings) logger.warn(warning, 'Config');
  return app;
}
