import { UnauthorizedException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { httpErrorBody } from '../../common/http/error-body';
import type { RefusalReason } from '../token-refusal';

const MESSAGES: Record<RefusalReason, string> = {
  missing: 'Authentication required: sign in first',
  expired: 'Session expired: sign in again',
  invalid: 'Invalid token: sign in again',
  revoked: 'Session revoked: sign in again',
  conflict: 'Conflicting credentials: two different tokens were sent',
};

/** RFC 6750: a client that sent a token learns that this token is the problem; no cache keeps it. */
function setRefusalHeaders(reply: FastifyReply, tokenSent: boolean): void {
  if (tokenSent) void reply.header('www-authenticate', 'Bearer error="invalid_token"');
  void reply.header('cache-control', 'no-store');
}

/** The JSON 401 of the auth endpoint, with the `reason` a client acts on (docs/auth.md). */
export function sendUnauthorized(
  reply: FastifyReply,
  reason: RefusalReason,
  requestId: string,
  options: { tokenSent: boolean; message?: string },
): void {
  setRefusalHeaders(reply, options.tokenSent);
  void reply
    .status(401)
    .send(httpErrorBody(401, options.message ?? MESSAGES[reason], requestId, { reason }));
}

/** The same answer, thrown from a guard (HttpErrorFilter adds the code and the request id). */
export function unauthorized(
  reply: FastifyReply,
  reason: RefusalReason,
  tokenSent: boolean,
): UnauthorizedException {
  setRefusalHeaders(reply, tokenSent);
  return new UnauthorizedException({ statusCode: 401, message: MESSAGES[reason], reason });
}
