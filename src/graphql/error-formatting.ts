import { HttpException } from '@nestjs/common';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApiError, type ErrorCode } from '../common/errors';
import { isDatabaseUnavailable } from '../database/database-errors';
import { ScalarInputError } from './scalars/date-time.scalar';

/** Codes passed through unchanged (INTERNAL_SERVER_ERROR is masked in production). */
const KNOWN_CODES = new Set<string>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'SERVICE_UNAVAILABLE',
  'TOO_MANY_REQUESTS',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'DOCUMENT_NOT_TRUSTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

const HTTP_CODES: Record<number, ErrorCode> = {
  400: 'BAD_USER_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

interface FormatOptions {
  readonly production: boolean;
  /** The id of the request being answered, for the client to quote. */
  readonly requestId?: string;
}

/**
 * Every error a client sees has one of the documented codes and a message
 * that is safe to show: unexpected errors are masked in production, database
 * outages become SERVICE_UNAVAILABLE, and "Did you mean" hints are dropped
 * in production (they let anyone map the schema without introspection).
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  options: FormatOptions,
): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const code = String(formatted.extensions?.code ?? '');
  const keep = (newCode: string, message: string): GraphQLFormattedError => ({
    message,
    locations: formatted.locations,
    path: formatted.path,
    extensions: {
      ...safeExtensions(formatted.extensions),
      code: newCode,
      ...(options.requestId ? { requestId: options.requestId } : {}),
    },
  });

  if (isDatabaseUnavailable(original))
    return keep('SERVICE_UNAVAILABLE', 'The service is temporarily unavailable; try again shortly');
  if (original instanceof ApiError) return keep(original.code, original.message);
  if (original instanceof HttpException) {
    const status = original.getStatus();
    return keep(
      HTTP_CODES[status] ?? (status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_USER_INPUT'),
      status >= 500 ? 'Internal server error' : original.message,
    );
  }
  // Apollo's refusals of a malformed request (a persisted-query hash that does not match...)
  // carry a 4xx status but no code of their own.
  const http = (original as GraphQLError | undefined)?.extensions?.http as
    { status?: number } | undefined;
  const status = http?.status ?? 0;
  if ((code === '' || code === 'INTERNAL_SERVER_ERROR') && status >= 400 && status < 500)
    return keep('BAD_REQUEST', formatted.message);
  // A literal a scalar refused (an invalid DateTime in the query text): graphql-js reports it
  // as a validation error, but it is bad input like the same value sent as a variable.
  const cause = (original as GraphQLError | undefined)?.originalError;
  if (cause instanceof ScalarInputError) return keep('BAD_USER_INPUT', formatted.message);
  if (KNOWN_CODES.has(code)) {
    const message = options.production
      ? formatted.message.replace(/\s*Did you mean .*\?$/s, '')
      : formatted.message;
    return keep(code, message);
  }
  if (original instanceof GraphQLError && !original.originalError && code === '')
    return keep('GRAPHQL_VALIDATION_FAILED', formatted.message);
  return keep(
    'INTERNAL_SERVER_ERROR',
    options.production ? 'Internal server error' : formatted.message,
  );
}

/** Only our own extension fields leave the server (never `exception`, `stacktrace` or driver details). */
function safeExtensions(extensions: GraphQLFormattedError['extensions']): Record<string, unknown> {
  const safe: Record<string, unknown> = {};
  for (const key of ['requestId', 'retryAfter', 'field', 'reason']) {
    if (extensions?.[key] !== undefined) safe[key] = extensions[key];
  }
  return safe;
}

/** The code a client receives for this error. */
export function errorCode(error: unknown): string {
  const extensions = error instanceof GraphQLError ? error.extensions : undefined;
  const formatted = formatError({ message: '', extensions }, error, { production: true });
  return String(formatted.extensions?.code);
}
