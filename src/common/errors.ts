import { GraphQLError } from 'graphql';

/** The `extensions.code` values this API uses (docs/api.md). */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR'
  | 'TOO_MANY_REQUESTS';

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401 };

/** A client-facing error: its message is safe to show in production. */
export function apiError(
  code: ErrorCode,
  message: string,
  extra: Record<string, unknown> = {},
): GraphQLError {
  const status = HTTP_STATUS[code];
  return new GraphQLError(message, {
    extensions: { code, ...(status ? { http: { status } } : {}), ...extra },
  });
}

export const unauthenticated = (message = 'Authentication required') =>
  apiError('UNAUTHENTICATED', message);
export const forbidden = (message = 'Not allowed') => apiError('FORBIDDEN', message);
export const badUserInput = (message: string) => apiError('BAD_USER_INPUT', message);
export const notFound = (message: string) => apiError('NOT_FOUND', message);
