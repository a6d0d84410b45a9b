import { Args, Context, ID, Query, Resolver } from '@nestjs/graphql';
import { fromGlobalId } from '../common/ids';
import type { Viewer as ViewerType } from '../common/viewer';
import type { GraphQLContext } from './graphql-context';
import { Node } from './models/node.interface';
import { NodeRegistry } from './node-registry';
import { Viewer } from './viewer.decorator';

/** Relay refetching: any object by its global id, under the same rules as everywhere else. */
@Resolver(() => Node)
export class NodeResolver {
  constructor(private readonly registry: NodeRegistry) {}

  @Query(() => Node, {
    nullable: true,
    description:
      'The object with this global id; null when not found. Orders and their lines: their buyer or an admin only.',
  })
  node(
    @Args('id', { type: () => ID, description: 'A global id.' }) id: string,
    @Viewer() viewer: ViewerType,
    @Context() context: GraphQLContext,
  ): Promise<Node | null> {
    return this.resolve(id, viewer, context);
  }

  @Query(() => [Node], {
    nullable: 'items',
    description: 'Several objects by global id, in the same order; null for each not found.',
  })
  nodes(
    @Args('ids', { type: () => [ID], description: 'Global ids.' }) ids: string[],
    @Viewer() viewer: ViewerType,
    @Context() context: GraphQLContext,
  ): Promise<(Node | null)[]> {
    return Promise.all(ids.map((id) => this.resolve(id, viewer, context)));
  }

  private async resolve(
    globalId: string,
    viewer: ViewerType,
    context: GraphQLContext,
  ): Promise<Node | null> {
    const decoded = fromGlobalId(globalId);
    const fetch = decoded && this.registry.fetcherFor(decoded.type);
    return fetch ? fetch(decoded.id, viewer, context.loaders) : null;
  }
}
