/** The `extensions.code` values this API uses (docs/api.md). */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR'
  | 'TOO_MANY_REQUESTS';

/**
 * A refusal the client caused and may be told about: its message is safe to
 * show in production. Services throw these without knowing how they are sent;
 * the GraphQL side turns them into errors with `extensions.code`.
 */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * Something the request needs besides the database is down (the shared
 * rate-limit counters in Redis): answered like a database outage, 503
 * SERVICE_UNAVAILABLE, never a 500.
 */
export class ServiceUnavailableError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ServiceUnavailableError';
  }
}

export const forbidden = (message = 'Not allowed') => new ApiError('FORBIDDEN', message);
export const badUserInput = (message: string) => new ApiError('BAD_USER_INPUT', message);
export const notFound = (message: string) => new ApiError('NOT_FOUND', message);
