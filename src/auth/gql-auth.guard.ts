import { Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { GqlContextType } from '@nestjs/graphql';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyReply } from 'fastify';
import { graphqlError } from '../graphql/graphql-errors';
import type { ViewerContext } from '../graphql/graphql-context';
import type { Viewer } from '../common/viewer';
import { JwtStrategy } from './jwt.strategy';
import { TokenRefusal } from './token/token-rules';

/**
 * The GraphQL context of a resolver call: its third argument, which is what
 * GqlExecutionContext.create(context).getContext() returns, without
 * allocating a GqlExecutionContext on every request (measured: it showed
 * in the garbage collector's share under load).
 */
const contextOf = (context: ExecutionContext): ViewerContext => context.getArgByIndex(2);

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

  constructor(private readonly strategy: JwtStrategy) {
    super();
  }

  /** Authenticates a context before any resolver runs; throws UNAUTHENTICATED. */
  async authenticate(context: ViewerContext): Promise<Viewer> {
    const host = new ExecutionContextHost([undefined, {}, context, undefined]);
    host.setType<GqlContextType>('graphql');
    await this.canActivate(host);
    return context.viewer!;
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType<GqlContextType>() !== 'graphql') return true;
    const graphqlContext = contextOf(context);
    if (graphqlContext.viewer) return true;
    const { req } = graphqlContext;
    // A token the strategy verified before: its own cache answers, as passport would have.
    const cached = this.strategy.verifiedFromCache(req);
    if (cached) {
      req.user = cached.viewer;
      (req as { authInfo?: unknown }).authInfo = cached;
    } else {
      await super.canActivate(context);
    }
    graphqlContext.viewer = req.user;
    return true;
  }

  override getRequest(context: ExecutionContext): ViewerContext['req'] {
    return contextOf(context).req;
  }

  getResponse(context: ExecutionContext): FastifyReply {
    return contextOf(context).res;
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
    throw graphqlError('UNAUTHENTICATED', REFUSALS[refusal?.reason ?? 'invalid'], {
      requestId: String(this.getRequest(context).id),
    });
  }
}
