import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, {
  type DestinationStream,
  type Logger as PinoInstance,
  type LoggerOptions,
} from 'pino';
import type { AppConfig } from '../config/app-config';
import { currentRequestId, logLineTime, serializeRequest, serializeResponse } from './request-log';
import { scrubSecrets } from './secrets';

/** Fields with allow-listed serializers or that this service fills in itself. */
const SAFE_KEYS = new Set(['req', 'res', 'err', 'responseTime', 'userId', 'graphql', 'reqId']);

export function pinoOptions(config: AppConfig): LoggerOptions {
  return {
    level: config.log.level,
    // No `redact` paths: request lines are built from an allow-list (request-log.ts) and
    // everything else is scrubbed below, at any depth. pino's redaction copied every
    // line it touched, a few per cent of a small request's CPU.
    serializers: { req: serializeRequest, res: serializeResponse },
    // Every line logged while a request is served carries its id, without a child logger per request.
    mixin: () => {
      const reqId = currentRequestId();
      return reqId === undefined ? {} : { reqId };
    },
    formatters: {
      level: (label) => ({ level: label }),
      // Anything logged beside the request line's own fields is scrubbed of secret-looking keys.
      log: (object) => {
        let out: Record<string, unknown> | undefined;
        for (const key in object) {
          if (SAFE_KEYS.has(key)) continue;
          out ??= { ...object };
          out[key] = scrubSecrets(object[key]);
        }
        return out ?? object;
      },
    },
    timestamp: () => `,"time":"${new Date(logLineTime()).toISOString()}"`,
  };
}

/**
 * The process's one pino logger: Fastify logs through it (no child logger per
 * request), and so does nestjs-pino's Logger. Lines go to `destination`
 * (tests), through pino-pretty in a terminal, or to stdout asynchronously:
 * a write is in flight while the next lines gather, so under load many lines
 * share one write instead of one system call each; pino flushes on exit.
 */
export function createRootLogger(config: AppConfig, destination?: DestinationStream): PinoInstance {
  const options = pinoOptions(config);
  if (destination) return pino(options, destination);
  if (config.log.pretty)
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l' },
      },
    });
  return pino(options, pino.destination({ dest: 1, sync: false }));
}

/**
 * Structured JSON logs for the whole process, Nest's own messages included,
 * through nestjs-pino's Logger on the root logger. No per-request middleware:
 * the request id reaches every line through the root logger's mixin, and the
 * request line is written by a Fastify hook (request-log.ts); pino-http's
 * middleware cost about a fifth of a small request's CPU (docs/performance.md).
 */
@Module({})
export class LoggingModule {
  static forRoot(logger: PinoInstance): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: { logger },
          useExisting: true,
          forRoutes: [],
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
