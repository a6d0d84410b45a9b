import { Args, Context, ID, Query, Resolver } from '@nestjs/graphql';
import { fromGlobalId } from '../common/ids';
import { presentItem } from '../items/items.presenter';
import { OrdersService } from '../orders/orders.service';
import { loadUserFor } from '../users/users.presenter';
import type { GraphQLContext } from './graphql-context';
import { Node } from './models/node.interface';

/** Relay refetching: any object by its global id, under the same rules as everywhere else. */
@Resolver(() => Node)
export class NodeResolver {
  constructor(private readonly orders: OrdersService) {}

  @Query(() => Node, {
    nullable: true,
    description:
      'The object with this global id; null when not found. Orders and their lines: their buyer or an admin only.',
  })
  node(
    @Args('id', { type: () => ID, description: 'A global id.' }) id: string,
    @Context() context: GraphQLContext,
  ): Promise<Node | null> {
    return this.resolve(id, context);
  }

  @Query(() => [Node], {
    nullable: 'items',
    description: 'Several objects by global id, in the same order; null for each not found.',
  })
  nodes(
    @Args('ids', { type: () => [ID], description: 'Global ids.' }) ids: string[],
    @Context() context: GraphQLContext,
  ): Promise<(Node | null)[]> {
    return Promise.all(ids.map((id) => this.resolve(id, context)));
  }

  private async resolve(globalId: string, context: GraphQLContext): Promise<Node | null> {
    const decoded = fromGlobalId(globalId);
    if (!decoded) return null;
    switch (decoded.type) {
      case 'User': {
        return loadUserFor(context, decoded.id);
      }
      case 'Item': {
        const item = await context.loaders.items.load(decoded.id);
        return item ? presentItem(item) : null;
      }
      case 'UserOrder':
        return this.orders.orderForViewer(context, decoded.id);
      case 'OrderItem':
        return this.orders.lineForViewer(context, decoded.id);
      default:
        return null;
    }
  }
}
