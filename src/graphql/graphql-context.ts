import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Viewer } from '../auth/viewer';
import type { Loaders } from './loaders.factory';

/** What every resolver gets, built once per request. */
export interface GraphQLContext {
  readonly req: FastifyRequest;
  readonly res: FastifyReply;
  /** Always present: a request without a valid token never reaches a resolver. */
  readonly viewer: Viewer;
  /** Per-request DataLoaders: batch and cache lookups within this request only. */
  readonly loaders: Loaders;
  readonly requestId: string;
}
