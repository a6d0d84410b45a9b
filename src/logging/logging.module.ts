import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream, LoggerOptions } from 'pino';
import type { Options as HttpLoggerOptions } from 'pino-http';
import type { AppConfig } from '../config/app-config';
import { peekRequestLogFacts } from './request-context';
import { scrubSecrets } from './secrets';

export interface LoggingOptions {
  /** Where log lines go instead of stdout (tests capture them). */
  readonly destination?: DestinationStream;
}

/** Paths pino blanks out even if a header object is ever logged whole. */
const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  '*.password',
  '*.token',
];

/** Only these request headers are logged: an allow-list can't leak a header nobody thought of. */
const LOGGED_HEADERS = ['user-agent', 'content-type', 'origin', 'referer', 'accept'];

type RawRequest = IncomingMessage & { originalUrl?: string };

/** The path as the client sent it (middleware may have rewritten `url`), without the query string. */
function requestPath(req: RawRequest): string {
  return (req.originalUrl ?? req.url ?? '').split('?')[0];
}

function serializeRequest(req: RawRequest & { id?: unknown; raw?: RawRequest }) {
  const raw = req.raw ?? req;
  const headers: Record<string, unknown> = {};
  for (const name of LOGGED_HEADERS) {
    if (raw.headers?.[name] !== undefined) headers[name] = raw.headers[name];
  }
  return {
    id: req.id,
    method: raw.method,
    path: requestPath(raw),
    remoteAddress: raw.socket?.remoteAddress,
    headers,
  };
}

function serializeResponse(res: ServerResponse) {
  return { statusCode: res.statusCode };
}

export function pinoOptions(config: AppConfig): LoggerOptions {
  return {
    level: config.log.level,
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    formatters: {
      level: (label) => ({ level: label }),
      // Anything logged beside the request and response is scrubbed of secret-looking keys.
      log: (object) => {
        const out: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(object)) {
          out[key] = key === 'req' || key === 'res' || key === 'err' ? value : scrubSecrets(value);
        }
        return out;
      },
    },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    transport: config.log.pretty
      ? {
          target: 'pino-pretty',
          options: { colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l' },
        }
      : undefined,
  };
}

function httpLoggerOptions(config: AppConfig, customDestination: boolean): HttpLoggerOptions {
  const base = pinoOptions(config);
  return {
    ...base,
    transport: customDestination ? undefined : base.transport,
    quietReqLogger: true,
    serializers: { req: serializeRequest, res: serializeResponse },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customProps: (req) => {
      const facts = peekRequestLogFacts(req);
      if (!facts) return {};
      return {
        userId: facts.userId,
        graphql: facts.graphqlOperationType
          ? { operationName: facts.graphqlOperationName, operationType: facts.graphqlOperationType }
          : undefined,
      };
    },
    customSuccessMessage: (req, res, responseTime) =>
      `${req.method} ${requestPath(req)} ${res.statusCode} ${Math.round(responseTime)}ms`,
    customErrorMessage: (req, res) => `${req.method} ${requestPath(req)} ${res.statusCode} failed`,
  };
}

/** Structured JSON logs for the whole process, Nest's own messages included. */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, options: LoggingOptions = {}): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          // nestjs-pino's default route pattern matches nothing on Fastify with Nest 12; this matches all.
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          pinoHttp: options.destination
            ? [httpLoggerOptions(config, true), options.destination]
            : httpLoggerOptions(config, false),
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
