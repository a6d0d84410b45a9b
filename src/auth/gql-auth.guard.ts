import { Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from '../common/errors';
import type { Viewer } from '../common/viewer';
import { TokenRefusal } from './token/token-rules';

/** The part of a GraphQL context this guard reads and fills. */
export interface ViewerContext {
  readonly req: FastifyRequest & { user?: Viewer };
  readonly res: FastifyReply;
  /** Set by GqlAuthGuard once the token is verified. */
  viewer?: Viewer;
}

const REFUSALS: Record<TokenRefusal['reason'], string> = {
  missing: 'Authentication required: sign in first',
  invalid: 'Invalid or expired token: sign in again',
  conflict:
    'Conflicting credentials: the cookie and the Authorization header carry different tokens',
};

/**
 * `AuthGuard('jwt')` for GraphQL: runs the passport-jwt strategy on the
 * request of the GraphQL context and puts the viewer `{ user_id, locale,
 * roles }` into that context, where `@Viewer()` reads it.
 *
 * It runs once per request, before execution (the context factory calls
 * `authenticate`), so a request no resolver would answer, such as
 * `{ __typename }`, is refused with a 401 too. As the global guard of every
 * resolver it then finds the viewer already there.
 */
@Injectable()
export class GqlAuthGuard extends AuthGuard('jwt') {
  private readonly logger = new Logger('Auth');

  /** Authenticates a context before any resolver runs; throws UNAUTHENTICATED. */
  async authenticate(context: ViewerContext): Promise<Viewer> {
    const host = new ExecutionContextHost([undefined, {}, context, undefined]);
    host.setType<GqlContextType>('graphql');
    await this.canActivate(host);
    return context.viewer!;
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType<GqlContextType>() !== 'graphql') return true;
    const graphqlContext = GqlExecutionContext.create(context).getContext<ViewerContext>();
    if (graphqlContext.viewer) return true;
    await super.canActivate(context);
    graphqlContext.viewer = graphqlContext.req.user;
    return true;
  }

  override getRequest(context: ExecutionContext): ViewerContext['req'] {
    return GqlExecutionContext.create(context).getContext<ViewerContext>().req;
  }

  getResponse(context: ExecutionContext): FastifyReply {
    return GqlExecutionContext.create(context).getContext<ViewerContext>().res;
  }

  override handleRequest<TUser = Viewer>(
    error: unknown,
    user: TUser | false,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    if (error) throw error;
    if (user) return user;
    const refusal = info instanceof TokenRefusal ? info : undefined;
    this.logger.debug(`Token refused: ${refusal?.message ?? (info as Error | undefined)?.message}`);
    throw apiError('UNAUTHENTICATED', REFUSALS[refusal?.reason ?? 'invalid'], {
      requestId: String(this.getRequest(context).id),
    });
  }
}
