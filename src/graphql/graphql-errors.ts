import { GraphQLError } from 'graphql';
import type { ErrorCode } from '../common/errors';

/** An error of the GraphQL layer itself (before or around execution), with its code (UNAUTHENTICATED: a 401). */
export function graphqlError(
  code: ErrorCode,
  message: string,
  extra: Record<string, unknown> = {},
): GraphQLError {
  const http = code === 'UNAUTHENTICATED' ? { http: { status: 401 } } : {};
  return new GraphQLError(message, { extensions: { code, ...http, ...extra } });
}
