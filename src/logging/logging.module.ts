import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule, type Params } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import { requestedUrl } from '../common/http/legacy-graph-path';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { peekRequestLogFacts } from './request-context';
import { scrubSecrets } from './secrets';

/** The raw request as Fastify hands it to middleware, with its client address set. */
type LoggedRequest = IncomingMessage & { ip?: string };

/** Fields of the request line itself; everything else logged is scrubbed of secret-looking keys. */
const REQUEST_LINE_KEYS = new Set(['req', 'res', 'err', 'responseTime']);

/** The path as the client sent it (before the /graph rewrite), never the query string. */
function pathOf(req: IncomingMessage): string {
  return requestedUrl(req).split('?')[0];
}

/** The request as logged: id, method, path, addresses and headers (credentials redacted below). */
function serializeRequest(req: LoggedRequest) {
  return {
    id: req.id,
    method: req.method,
    path: pathOf(req),
    remoteAddress: req.socket?.remoteAddress,
    // The client's address as TRUST_PROXY decides, when it differs from the peer's.
    ...(req.ip !== undefined && req.ip !== req.socket?.remoteAddress
      ? { clientAddress: req.ip }
      : {}),
    headers: req.headers,
  };
}

/**
 * The request line's own fields with the viewer, GraphQL operation and error codes the request
 * learned on the way. Added to the line rather than bound through `customProps`, which builds
 * a child of the request's child logger for every request.
 */
function withRequestFacts(req: IncomingMessage, line: object): object {
  const facts = peekRequestLogFacts(req);
  if (!facts) return line;
  const { userId, graphqlOperationName, graphqlOperationType, graphqlErrorCodes } = facts;
  const graphql =
    graphqlOperationType || graphqlErrorCodes
      ? {
          operationName: graphqlOperationName,
          operationType: graphqlOperationType,
          errorCodes: graphqlErrorCodes,
        }
      : undefined;
  return { ...line, userId, graphql };
}

function requestLine(req: IncomingMessage, res: ServerResponse, responseTime: number): string {
  const outcome = res.writableEnded
    ? `${res.statusCode} ${responseTime}ms`
    : 'aborted by the client';
  return `${req.method} ${pathOf(req)} ${outcome}`;
}

/** pino-http's options: one line per request when it completes, and every line's format. */
function requestLogOptions(config: AppConfig): Options {
  return {
    level: config.log.level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => {
        const out: Record<string, unknown> = {};
        for (const key in object)
          out[key] = REQUEST_LINE_KEYS.has(key) ? object[key] : scrubSecrets(object[key]);
        return out;
      },
    },
    // Fastify's genReqId has set `req.id` (x-request-id when well-formed); lines logged inside
    // a request carry it as `reqId`, without the whole request.
    quietReqLogger: true,
    serializers: {
      req: (req: { raw: LoggedRequest }) => serializeRequest(req.raw),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    // The response is logged by its status only, so Set-Cookie never reaches a line.
    redact: [
      'req.headers.cookie',
      'req.headers.authorization',
      'req.headers["proxy-authorization"]',
    ],
    // Read when the response is done, so what the request learned on the way is included.
    customSuccessObject: (req, _res, line) => withRequestFacts(req, line),
    customErrorObject: (req, _res, _error, line) => withRequestFacts(req, line),
    customLogLevel: (_req, res, error) =>
      error || res.statusCode >= 500
        ? 'error'
        : res.statusCode >= 400 || !res.writableEnded
          ? 'warn'
          : 'info',
    customSuccessMessage: requestLine,
    // pino-http passes the response time here too, though its types leave it out.
    customErrorMessage: ((req: IncomingMessage, res: ServerResponse, _error: Error, time: number) =>
      requestLine(req, res, time)) as Options['customErrorMessage'],
  };
}

function pinoHttpParams(config: AppConfig, destination?: DestinationStream): Params['pinoHttp'] {
  const options = requestLogOptions(config);
  if (destination) return [options, destination];
  if (config.log.pretty)
    return {
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l' },
      },
    };
  // Asynchronous writes to stdout; pino flushes what is pending when the process exits.
  return [options, pino.destination({ dest: 1, sync: false })];
}

/**
 * Structured JSON logs through nestjs-pino: pino-http writes the request line,
 * and Nest's Logger and PinoLogger write everything else, with the request id
 * of the request being served taken from nestjs-pino's request context.
 */
@Module({})
export class LoggingModule {
  /** `destination`: where lines go instead of stdout (tests capture them). */
  static forRoot(destination?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => ({
            pinoHttp: pinoHttpParams(config, destination),
            // Every path: @fastify/middie matches nestjs-pino's default route (`{/*splat}`) to `/` only.
            forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          }),
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
