import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { unavailablePage } from './auth/http/pages';
import { ServiceUnavailableError } from './common/errors';
import { codeForStatus, httpErrorBody } from './common/http/error-body';
import { isDatabaseUnavailable } from './database/database-errors';
import { requestLogFacts } from './logging/request-context';

const GRAPHQL_PATH = /^\/graph(ql)?(\?|\/|$)/;
const UNAVAILABLE = 'The service is temporarily unavailable; try again shortly';

/** The HTTP status an error carries (HttpException, or Fastify's own errors), if it is a client's. */
function clientStatus(error: unknown): number | undefined {
  const status =
    error instanceof HttpException
      ? error.getStatus()
      : (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/**
 * Errors that happen outside GraphQL execution, whoever raised them (Fastify's
 * body parser and limits, unknown routes, a controller, a database outage):
 * - on the GraphQL paths, GraphQL-shaped JSON with a code of docs/api.md's
 *   catalogue and the request id, and the right 4xx (or 503) status;
 * - anywhere, a database outage is 503 SERVICE_UNAVAILABLE (an HTML page for
 *   browsers), never a 500;
 * - other routes keep Nest's shape, with the code and the request id added
 *   (common/http/error-body.ts).
 * GraphQL resolver errors are left to Apollo and the GraphQL error formatting.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const requestId = String(request.id);
    const graphqlPath = GRAPHQL_PATH.test(request.url);

    if (isDatabaseUnavailable(exception) || exception instanceof ServiceUnavailableError) {
      this.logger.warn({
        msg:
          exception instanceof ServiceUnavailableError ? exception.message : 'Database unavailable',
        requestId,
        path: request.url.split('?')[0],
      });
      if (graphqlPath) return this.sendGraphQL(reply, 503, UNAVAILABLE);
      void reply.status(503).header('retry-after', '30');
      if (String(request.headers.accept ?? '').includes('text/html'))
        return void reply.type('text/html; charset=utf-8').send(unavailablePage(requestId));
      return void reply.send(httpErrorBody(503, UNAVAILABLE, requestId));
    }

    const status = clientStatus(exception);
    if (status !== undefined && graphqlPath) {
      const message = exception instanceof Error ? exception.message : 'Bad request';
      return this.sendGraphQL(reply, status, message);
    }
    if (status !== undefined) {
      const body =
        exception instanceof HttpException
          ? exception.getResponse()
          : { statusCode: status, message: (exception as Error).message };
      return void reply
        .status(status)
        .send(
          typeof body === 'string'
            ? httpErrorBody(status, body, requestId)
            : { ...body, code: codeForStatus(status), requestId },
        );
    }
    if (exception instanceof HttpException && !graphqlPath) {
      // A deliberate 5xx (readiness answering 503): its own status and body.
      const body = exception.getResponse();
      return void reply
        .status(exception.getStatus())
        .send(typeof body === 'string' ? { message: body, requestId } : { ...body, requestId });
    }
    this.logger.error({ msg: 'Request failed', requestId, error: (exception as Error)?.stack });
    if (graphqlPath) return this.sendGraphQL(reply, 500, 'Internal server error');
    void reply.status(500).send(httpErrorBody(500, 'Internal server error', requestId));
  }

  private sendGraphQL(reply: FastifyReply, status: number, message: string): void {
    const requestId = String(reply.request.id);
    const code = codeForStatus(status);
    requestLogFacts(reply.request.raw).graphqlErrorCodes = [code];
    void reply
      .status(status)
      .header('content-type', 'application/json; charset=utf-8')
      .send({ errors: [{ message, extensions: { code, requestId } }] });
  }
}
