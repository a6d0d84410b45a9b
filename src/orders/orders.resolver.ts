import {
  Args,
  Context,
  ID,
  Info,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { ListArgs } from '../graphql/dto/list.args';
import type { GraphQLContext } from '../graphql/graphql-context';
import { ConnectionType, type Connection } from '../graphql/models/connection.factory';
import { ItemModel } from '../items/models/item.model';
import { presentItem } from '../items/items.presenter';
import { UserModel } from '../users/models/user.model';
import { loadUserFor } from '../users/users.presenter';
import { CreateOrderInput, CreateOrderPayload } from './dto/create-order.input';
import { OrderItemModel, OrderModel } from './models/order.model';
import { OrdersService } from './orders.service';

export const UserOrderConnection = ConnectionType(OrderModel, 'UserOrder', 'orders');
export const OrderItemConnection = ConnectionType(OrderItemModel, 'OrderItem', 'order lines');

@Resolver(() => OrderModel)
export class OrdersResolver {
  constructor(private readonly orders: OrdersService) {}

  @Query(() => UserOrderConnection, {
    nullable: true,
    description:
      'Orders the user bought. Only that user or an admin (FORBIDDEN otherwise); NOT_FOUND for an unknown user.',
  })
  listUserOrders(
    @Args('user_id', { type: () => ID, description: 'Global id of the buyer.' }) userId: string,
    @Args() args: ListArgs,
    @Context() context: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<OrderModel>> {
    return this.orders.listForUser(context, userId, args, info);
  }

  @Mutation(() => CreateOrderPayload, {
    nullable: true,
    description:
      'Creates an order for the viewer (an admin: for anyone). Outcome in completionObj: 002, DO01-DO04, EO01.',
  })
  createOrder(
    @Args('input', {
      type: () => CreateOrderInput,
      description: 'The order and a clientMutationId.',
    })
    input: CreateOrderInput,
    @Context() context: GraphQLContext,
  ): Promise<CreateOrderPayload> {
    return this.orders.create(context, input);
  }

  @ResolveField('user', () => UserModel, { nullable: true, description: 'The buyer.' })
  async user(
    @Parent() order: OrderModel,
    @Context() context: GraphQLContext,
  ): Promise<UserModel | null> {
    return loadUserFor(context, order.order.user_id);
  }

  @ResolveField('payer', () => UserModel, { nullable: true, description: 'Who pays.' })
  async payer(
    @Parent() order: OrderModel,
    @Context() context: GraphQLContext,
  ): Promise<UserModel | null> {
    return loadUserFor(context, order.order.payer_id);
  }

  @ResolveField('order_items', () => OrderItemConnection, {
    nullable: true,
    description:
      'The lines, joined with their items; sortable by item_id, quantity, amount, desc, item_category.',
  })
  orderItems(
    @Parent() order: OrderModel,
    @Args() args: ListArgs,
    @Context() context: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<OrderItemModel>> {
    return this.orders.linesOf(context, order.order, args, info);
  }
}

@Resolver(() => OrderItemModel)
export class OrderItemsResolver {
  @ResolveField('item', () => ItemModel, {
    nullable: true,
    description: 'The item; null if it no longer exists.',
  })
  async item(
    @Parent() line: OrderItemModel,
    @Context() context: GraphQLContext,
  ): Promise<ItemModel | null> {
    const item = await context.loaders.items.load(line.itemDbId);
    return item ? presentItem(item) : null;
  }
}
