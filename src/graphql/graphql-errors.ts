import { GraphQLError } from 'graphql';
import type { ErrorCode } from '../common/errors';

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401 };

/** An error of the GraphQL layer itself (before or around execution), with its code and HTTP status. */
export function graphqlError(
  code: ErrorCode,
  message: string,
  extra: Record<string, unknown> = {},
): GraphQLError {
  const status = HTTP_STATUS[code];
  return new GraphQLError(message, {
    extensions: { code, ...(status ? { http: { status } } : {}), ...extra },
  });
}
