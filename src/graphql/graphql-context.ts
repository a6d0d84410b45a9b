import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Viewer } from '../common/viewer';
import type { RequestLoaders } from './loaders';

/** The part of a GraphQL context the authentication guard reads and fills. */
export interface ViewerContext {
  readonly req: FastifyRequest & { user?: Viewer };
  readonly res: FastifyReply;
  /** Set by GqlAuthGuard once the token is verified. */
  viewer?: Viewer;
}

/** What every resolver gets, built once per request. */
export interface GraphQLContext extends ViewerContext {
  /** Always present for resolvers: GqlAuthGuard sets it before execution, or the request gets a 401. */
  viewer: Viewer;
  /** Per-request DataLoaders, each registered by its feature: batch and cache lookups within this request only. */
  readonly loaders: RequestLoaders;
  readonly requestId: string;
}
