import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import { requestedUrl } from '../common/http/legacy-graph-path';
import { peekRequestLogFacts } from './request-context';

/** Only these request headers are logged: an allow-list can't leak a header nobody thought of. */
const LOGGED_HEADERS = ['user-agent', 'content-type', 'origin', 'referer', 'accept'] as const;

type LoggedRequest = Partial<Pick<FastifyRequest, 'id' | 'ip'>> & {
  raw?: IncomingMessage;
} & Partial<IncomingMessage>;

function pathOf(raw: IncomingMessage): string {
  const url = requestedUrl(raw);
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/**
 * pino's serializer for `req`, whoever logs one (this hook, Fastify's error
 * handler): id, method, path as the client sent it (before the /graph
 * rewrite, without the query string), address and allow-listed headers.
 */
export function serializeRequest(req: LoggedRequest) {
  const raw = req.raw ?? (req as IncomingMessage);
  const headers: Record<string, unknown> = {};
  for (const name of LOGGED_HEADERS) {
    const value = raw.headers?.[name];
    if (value !== undefined) headers[name] = value;
  }
  return {
    id: req.id,
    method: raw.method,
    path: pathOf(raw),
    remoteAddress: raw.socket?.remoteAddress,
    // The client's address as TRUST_PROXY decides (the peer's when no proxy is trusted).
    ...(req.ip !== undefined && req.ip !== raw.socket?.remoteAddress
      ? { clientAddress: req.ip }
      : {}),
    headers,
  };
}

export function serializeResponse(res: { statusCode?: number }) {
  return { statusCode: res.statusCode };
}

function factsFields(request: FastifyRequest) {
  const facts = peekRequestLogFacts(request.raw);
  if (!facts) return {};
  return {
    userId: facts.userId,
    graphql: facts.graphqlOperationType
      ? { operationName: facts.graphqlOperationName, operationType: facts.graphqlOperationType }
      : undefined,
  };
}

const requestIds = new AsyncLocalStorage<string>();

interface PendingLine {
  readonly logger: FastifyRequest['log'];
  readonly error: boolean;
  readonly fields: object;
  readonly message: string;
  readonly finishedAt: number;
}

/**
 * Request lines waiting for the end of this event-loop turn. Formatting them
 * together rather than inside each response took S2 from 0.51–0.53 to
 * 0.54–0.56 of bare Apollo: pino's code runs hot once per turn instead of
 * interleaved with Apollo's (docs/performance.md, "Step 2: the request line
 * written in batches").
 */
const pendingLines: PendingLine[] = [];
let writingLineFinishedAt: number | undefined;

/** The time of the line being written: when its response finished, not when it was formatted. */
export function logLineTime(): number {
  return writingLineFinishedAt ?? Date.now();
}

/** Writes the request lines gathered so far (also on close, so none is left behind). */
function writePendingRequestLines(): void {
  for (const line of pendingLines) {
    writingLineFinishedAt = line.finishedAt;
    if (line.error) line.logger.error(line.fields, line.message);
    else line.logger.info(line.fields, line.message);
  }
  writingLineFinishedAt = undefined;
  pendingLines.length = 0;
}

function queueRequestLine(line: PendingLine): void {
  pendingLines.push(line);
  // Scheduled outside the request's AsyncLocalStorage: the batch belongs to no one request.
  if (pendingLines.length === 1) requestIds.exit(() => setImmediate(writePendingRequestLines));
}

/** The id of the request being served here, if any (for the logger's mixin). */
export function currentRequestId(): string | undefined {
  return requestIds.getStore();
}

export interface RequestLogOptions {
  /** Echo each request's id in this response header. */
  readonly idHeader?: string;
  /** Run each request in an AsyncLocalStorage holding its id, for the logger's mixin. */
  readonly asyncContext: boolean;
  /** Write the request line. */
  readonly line: boolean;
}

/**
 * One line per request when its response is sent (or the client goes away):
 * id, method, path, status, duration, and the user and GraphQL operation the
 * request turned out to be. A Fastify hook on the root logger, written at the
 * end of the event-loop turn with the others of that turn; it costs a fraction
 * of what pino-http's middleware did (docs/performance.md). The id header and
 * the AsyncLocalStorage share one `onRequest` hook.
 */
export function installRequestLog(fastify: FastifyInstance, options: RequestLogOptions): void {
  const { idHeader, asyncContext } = options;
  if (idHeader || asyncContext)
    fastify.addHook('onRequest', function onRequestContext(request, reply, done) {
      if (idHeader) void reply.header(idHeader, request.id);
      if (asyncContext) requestIds.run(request.id, done);
      else done();
    });
  if (!options.line) return;
  fastify.addHook(
    'onResponse',
    function logRequestLine(request: FastifyRequest, reply: FastifyReply, done) {
      const status = reply.statusCode;
      const responseTime = Math.round(reply.elapsedTime * 100) / 100;
      const message = `${request.method} ${pathOf(request.raw)} ${status} ${Math.round(responseTime)}ms`;
      queueRequestLine({
        logger: request.log,
        error: status >= 500,
        fields: {
          reqId: request.id,
          req: request,
          res: { statusCode: status },
          responseTime,
          ...factsFields(request),
        },
        message,
        finishedAt: Date.now(),
      });
      done();
    },
  );
  fastify.addHook('onClose', function writeLastRequestLines(_instance, done) {
    writePendingRequestLines();
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    request.log.warn(
      { req: request, ...factsFields(request) },
      `${request.method} ${pathOf(request.raw)} aborted by the client`,
    );
    done();
  });
}
