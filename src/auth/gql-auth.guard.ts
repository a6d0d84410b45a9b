import { Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { graphqlError } from '../graphql/graphql-errors';
import { TokenRefusal, type RefusalReason } from './jwt.strategy';

const MESSAGES: Record<RefusalReason, string> = {
  missing: 'Authentication required: sign in first',
  invalid: 'Invalid or expired token: sign in again',
  conflict:
    'Conflicting credentials: the cookie and the Authorization header carry different tokens',
};

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
    const reason = info instanceof TokenRefusal ? info.reason : 'invalid';
    const requestId = String(this.getRequest(ctx).id);
    throw graphqlError('UNAUTHENTICATED', MESSAGES[reason], { requestId });
  }
}
