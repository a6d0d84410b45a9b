import { Injectable, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { unauthenticated } from './token-refusal';

/** `AuthGuard('jwt')` on the request of the GraphQL context: the viewer in `req.user`, or a 401. */
@Injectable()
export class GqlAuthGuard extends AuthGuard('jwt') {
  override getRequest(context: ExecutionContext): FastifyRequest {
    return GqlExecutionContext.create(context).getContext<{ req: FastifyRequest }>().req;
  }

  override handleRequest<T>(err: unknown, user: T, info: unknown, ctx: ExecutionContext): T {
    if (err || !user) throw err || unauthenticated(info, String(this.getRequest(ctx).id));
    return user;
  }
}
