import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Viewer } from '../common/viewer';
import type { RequestLoaders } from './loaders';

/** What every resolver gets, built once per request. */
export interface GraphQLContext {
  /** `user` is the viewer GqlAuthGuard verified (passport's place for it). */
  readonly req: FastifyRequest & { user?: Viewer };
  readonly res: FastifyReply;
  /** Always present for resolvers: authenticated before execution, or the request gets a 401. */
  viewer: Viewer;
  /** Per-request DataLoaders, each registered by its feature: batch and cache lookups within this request only. */
  readonly loaders: RequestLoaders;
  readonly requestId: string;
}
