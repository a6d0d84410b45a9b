import { Args, Context, ID, Info, Query, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { expectGlobalId } from '../common/ids';
import { toConnection } from '../graphql/connections';
import { ListArgs, listRequest } from '../graphql/dto/list.args';
import type { GraphQLContext } from '../graphql/graphql-context';
import type { Connection } from '../graphql/models/connection.factory';
import { loadItem } from './items.loaders';
import { ItemsService } from './items.service';
import { ItemConnection, ItemModel } from './item.model';

@Resolver(() => ItemModel)
export class ItemsResolver {
  constructor(private readonly items: ItemsService) {}

  @Query(() => ItemModel, {
    nullable: true,
    description: 'One item with all its prices; null when not found.',
  })
  async getItem(
    @Args('item_id', { type: () => ID, description: 'Global id of the item.' }) itemId: string,
    @Context() context: GraphQLContext,
  ): Promise<ItemModel | null> {
    return loadItem(context.loaders, expectGlobalId('Item', itemId, 'item_id'));
  }

  @Query(() => ItemConnection, {
    nullable: true,
    description: 'Items, sortable by desc and item_category, filterable.',
  })
  async listItems(
    @Args() args: ListArgs,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<ItemModel>> {
    return toConnection(await this.items.list(listRequest(args, info)), ItemModel.from);
  }
}
