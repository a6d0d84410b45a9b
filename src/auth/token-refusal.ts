import { Logger } from '@nestjs/common';
import type { GraphQLError } from 'graphql';
import { graphqlError } from '../graphql/graphql-errors';

/** Why a token was refused: the reason picks the client's message, the detail is only logged. */
export type RefusalReason = 'missing' | 'expired' | 'invalid' | 'revoked' | 'conflict';
export class TokenRefusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    detail: string,
  ) {
    super(detail);
  }
}

/** Why a token accepted before is refused now. */
export type LaterRefusal = Extract<RefusalReason, 'expired' | 'invalid' | 'revoked'>;

/** Why passport refused a token, as a client acts on it (jsonwebtoken's own errors included). */
export function refusalReason(info: unknown): RefusalReason {
  if (info instanceof TokenRefusal) return info.reason;
  if ((info as Error | undefined)?.name === 'TokenExpiredError') return 'expired';
  return 'invalid';
}

const MESSAGES: Record<RefusalReason, string> = {
  missing: 'Authentication required: sign in first',
  expired: 'Token expired: refresh it or sign in again',
  invalid: 'Invalid token: sign in again',
  revoked: 'Session ended: sign in again',
  conflict: 'Conflicting credentials: the request carries two different tokens',
};

/** RFC 6750: a client that sent a token learns that the token is the problem. */
const INVALID_TOKEN = new Map([['www-authenticate', 'Bearer error="invalid_token"']]);

/** A refusal as the GraphQL API answers it: 401 `UNAUTHENTICATED` with its `reason`. */
export function unauthenticated(info: unknown, requestId: string): GraphQLError {
  Logger.debug(`Token refused: ${(info as Error | undefined)?.message}`, 'Auth');
  const reason = refusalReason(info);
  return graphqlError('UNAUTHENTICATED', MESSAGES[reason], {
    requestId,
    reason,
    ...(reason === 'missing' ? {} : { http: { status: 401, headers: INVALID_TOKEN } }),
  });
}
