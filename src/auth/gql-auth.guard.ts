import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { unauthenticated } from '../common/errors';
import type { GraphQLContext } from '../graphql/graphql-context';

/**
 * Applied to every GraphQL resolver (APP_GUARD). The request was already
 * authenticated when its context was built (so an anonymous request gets a
 * 401 with no data at all); this guard makes sure no resolver can ever run
 * without a viewer, whatever path it was reached by.
 */
@Injectable()
export class GqlAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType<string>() !== 'graphql') return true;
    const viewer = GqlExecutionContext.create(context).getContext<GraphQLContext>().viewer;
    if (!viewer) throw unauthenticated();
    return true;
  }
}
