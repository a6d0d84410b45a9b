import type { ErrorCode } from '../errors';

/** The codes of answers outside GraphQL: the catalogue's (docs/api.md) plus two HTTP-only ones. */
export type HttpErrorCode = ErrorCode | 'BAD_REQUEST' | 'CONFLICT';

const CODE_BY_STATUS: Readonly<Record<number, HttpErrorCode>> = {
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/** The code an error answer with this status carries. */
export function codeForStatus(status: number): HttpErrorCode {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');
}

/**
 * The JSON body of every error answered outside /graphql (the auth endpoint,
 * health, unknown routes): Nest's `{ statusCode, message }` with the code a
 * client can branch on and the request id to quote; `extra` adds what one
 * answer needs besides (`msg_id` of a refused sign-up).
 */
export function httpErrorBody(
  status: number,
  message: string,
  requestId: string,
  extra: Readonly<Record<string, unknown>> = {},
) {
  return { statusCode: status, code: codeForStatus(status), message, requestId, ...extra };
}
