import { Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { graphqlError } from '../graphql/graphql-errors';
import { refusalReason, type RefusalReason } from './jwt.strategy';

const MESSAGES: Record<RefusalReason, string> = {
  missing: 'Authentication required: sign in first',
  expired: 'Token expired: refresh it or sign in again',
  invalid: 'Invalid token: sign in again',
  revoked: 'Session ended: sign in again',
  conflict: 'Conflicting credentials: the request carries two different tokens',
};

/** RFC 6750: a client that sent a token learns that the token is the problem. */
const INVALID_TOKEN = new Map([['www-authenticate', 'Bearer error="invalid_token"']]);

/** `AuthGuard('jwt')` on the request of the GraphQL context: the viewer in `req.user`, or a 401. */
@Injectable()
export class GqlAuthGuard extends AuthGuard('jwt') {
  override getRequest(context: ExecutionContext): FastifyRequest {
    return GqlExecutionContext.create(context).getContext<{ req: FastifyRequest }>().req;
  }

  override handleRequest<T>(err: unknown, user: T, info: unknown, ctx: ExecutionContext): T {
    if (err) throw err;
    if (user) return user;
    Logger.debug(`Token refused: ${(info as Error | undefined)?.message}`, 'Auth');
    const reason = refusalReason(info);
    const requestId = String(this.getRequest(ctx).id);
    throw graphqlError('UNAUTHENTICATED', MESSAGES[reason], {
      requestId,
      reason,
      ...(reason === 'missing' ? {} : { http: { status: 401, headers: INVALID_TOKEN } }),
    });
  }
}
