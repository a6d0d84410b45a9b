import { Catch, HttpException, Logger, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { unavailablePage } from './auth/http/pages';
import { ServiceUnavailableError, type ErrorCode } from './common/errors';
import { isDatabaseUnavailable } from './database/database-errors';

const GRAPHQL_PATH = /^\/graph(ql)?(\?|\/|$)/;
const UNAVAILABLE = 'The service is temporarily unavailable; try again shortly';

const CODE_BY_STATUS: Record<number, ErrorCode | 'BAD_REQUEST'> = {
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

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
 * - other routes keep Nest's shape, with the request id added.
 * GraphQL resolver errors are left to Apollo and the GraphQL error formatting.
 */
@Catch()
export class HttpErrorFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('HTTP');

  override catch(exception: unknown, host: ArgumentsHost): void {
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
      if (graphqlPath)
        return this.sendGraphQL(reply, 503, 'SERVICE_UNAVAILABLE', UNAVAILABLE, requestId);
      if (String(request.headers.accept ?? '').includes('text/html'))
        return void reply
          .status(503)
          .header('content-type', 'text/html; charset=utf-8')
          .header('retry-after', '30')
          .send(unavailablePage(requestId));
      return void reply
        .status(503)
        .header('retry-after', '30')
        .send({ message: UNAVAILABLE, code: 'SERVICE_UNAVAILABLE', requestId });
    }

    const status = clientStatus(exception);
    if (graphqlPath) {
      if (status === undefined) {
        this.logger.error({ msg: 'Request failed', requestId, error: (exception as Error)?.stack });
        return this.sendGraphQL(
          reply,
          500,
          'INTERNAL_SERVER_ERROR',
          'Internal server error',
          requestId,
        );
      }
      const message =
        exception instanceof HttpException || exception instanceof Error
          ? exception.message
          : 'Bad request';
      return this.sendGraphQL(
        reply,
        status,
        CODE_BY_STATUS[status] ?? 'BAD_REQUEST',
        message,
        requestId,
      );
    }
    if (exception instanceof HttpException && status === undefined) {
      // A deliberate 5xx (readiness answering 503): its own status and body.
      const body = exception.getResponse();
      return void reply
        .status(exception.getStatus())
        .send(typeof body === 'string' ? { message: body, requestId } : { ...body, requestId });
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
            ? { statusCode: status, message: body, requestId }
            : { ...body, requestId },
        );
    }
    this.logger.error({ msg: 'Request failed', requestId, error: (exception as Error)?.stack });
    void reply.status(500).send({ statusCode: 500, message: 'Internal server error', requestId });
  }

  private sendGraphQL(
    reply: FastifyReply,
    status: number,
    code: string,
    message: string,
    requestId: string,
  ): void {
    void reply
      .status(status)
      .header('content-type', 'application/json; charset=utf-8')
      .send({ errors: [{ message, extensions: { code, requestId } }] });
  }
}
