import { UnauthorizedException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { RefusalReason } from '../token-refusal';

const MESSAGES: Record<RefusalReason, string> = {
  missing: 'Authentication required: sign in first',
  expired: 'Session expired: sign in again',
  invalid: 'Invalid token: sign in again',
  revoked: 'Session revoked: sign in again',
  conflict: 'Conflicting credentials: two different tokens were sent',
};

/**
 * The auth endpoint's JSON 401, with the `reason` a client acts on (docs/auth.md); HttpErrorFilter
 * adds the code and the request id. RFC 6750: a client that sent a token learns that this token
 * is the problem; no cache keeps the answer.
 */
export function unauthorized(
  reply: FastifyReply,
  reason: RefusalReason,
  tokenSent: boolean,
  message = MESSAGES[reason],
): UnauthorizedException {
  if (tokenSent) void reply.header('www-authenticate', 'Bearer error="invalid_token"');
  void reply.header('cache-control', 'no-store');
  return new UnauthorizedException({ statusCode: 401, message, reason });
}
