import type { ViewerContext } from '../auth/gql-auth.guard';
import type { Viewer } from '../common/viewer';
import type { Loaders } from './loaders.factory';

/** What every resolver gets, built once per request. */
export interface GraphQLContext extends ViewerContext {
  /** Always present for resolvers: GqlAuthGuard sets it before execution, or the request gets a 401. */
  viewer: Viewer;
  /** Per-request DataLoaders: batch and cache lookups within this request only. */
  readonly loaders: Loaders;
  readonly requestId: string;
}
