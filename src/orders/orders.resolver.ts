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
  Subscription,
} from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { toConnection } from '../graphql/connections';
import { ListArgs, listRequest, SortedPagingArgs } from '../graphql/dto/list.args';
import type { GraphQLContext } from '../graphql/graphql-context';
import { LoaderRegistry, type RequestLoaders } from '../graphql/loaders';
import type { Connection } from '../graphql/models/connection.factory';
import { ItemModel } from '../items/item.model';
import { UserModel } from '../users/user.model';
import { ITEM_BY_ID, loadItem } from '../items/items.loaders';
import { loadUserFor } from '../users/users.loaders';
import { Viewer } from '../graphql/viewer.decorator';
import { expectGlobalId, toGlobalId } from '../common/ids';
import type { Viewer as ViewerType } from '../common/viewer';
import { completionObj } from '../graphql/models/completion-obj.model';
import { CreateOrderInput, OrderItemInput, type OrderInput } from './order.inputs';
import {
  CreateOrderPayload,
  OrderItemConnection,
  OrderItemModel,
  OrderModel,
  UserOrderConnection,
} from './order.model';
import { ORDER_OUTCOMES, OrderEvents, OrdersService, type OrderRequest } from './orders.service';

/** The input's global ids decoded (an id of the wrong type is BAD_USER_INPUT), null lines dropped. */
function orderRequestFrom(data: OrderInput): OrderRequest {
  const lines = data.order_items.filter((line): line is OrderItemInput => line !== null);
  return {
    user_id: expectGlobalId('User', data.user_id, 'order_data.user_id'),
    payer_id: data.payer_id ? expectGlobalId('User', data.payer_id, 'order_data.payer_id') : null,
    order_date: data.order_date,
    lines: lines.map((line, i) => ({
      item_id: expectGlobalId('Item', line.item_id, `order_data.order_items[${i}].item_id`),
      quantity: line.quantity,
      amount: line.amount,
      item_details: line.item_details,
    })),
  };
}

@Resolver(() => OrderModel)
export class OrdersResolver {
  constructor(private readonly orders: OrdersService) {}

  @Query(() => UserOrderConnection, {
    nullable: true,
    description:
      'Orders the user bought. Only that user or an admin (FORBIDDEN otherwise); NOT_FOUND for an unknown user.',
  })
  async listUserOrders(
    @Args('user_id', { type: () => ID, description: 'Global id of the buyer.' }) userId: string,
    @Args() args: ListArgs,
    @Viewer() viewer: ViewerType,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<OrderModel>> {
    const page = await this.orders.listForUser(
      viewer,
      expectGlobalId('User', userId, 'user_id'),
      listRequest(args, info),
    );
    return toConnection(page, OrderModel.from);
  }

  @Mutation(() => CreateOrderPayload, {
    nullable: true,
    description:
      'Creates an order for the viewer (an admin: for anyone). Outcome in completionObj: 002, DO01-DO04, EO01.',
  })
  async createOrder(
    @Args('input', {
      type: () => CreateOrderInput,
      description: 'The order and a clientMutationId.',
    })
    input: CreateOrderInput,
    @Viewer() viewer: ViewerType,
  ): Promise<CreateOrderPayload> {
    const outcome = input.order_data
      ? await this.orders.create(viewer, orderRequestFrom(input.order_data))
      : ORDER_OUTCOMES.invalidLine('order_data is required');
    return {
      order_id: outcome.orderId ? toGlobalId('UserOrder', outcome.orderId) : null,
      completionObj: completionObj(outcome),
      clientMutationId: input.clientMutationId ?? null,
    };
  }

  @ResolveField('user', () => UserModel, { nullable: true, description: 'The buyer.' })
  async user(
    @Parent() order: OrderModel,
    @Viewer() viewer: ViewerType,
    @Context() context: GraphQLContext,
  ): Promise<UserModel | null> {
    return loadUserFor(context.loaders, viewer, order.order.user_id);
  }

  @ResolveField('payer', () => UserModel, { nullable: true, description: 'Who pays.' })
  async payer(
    @Parent() order: OrderModel,
    @Viewer() viewer: ViewerType,
    @Context() context: GraphQLContext,
  ): Promise<UserModel | null> {
    return loadUserFor(context.loaders, viewer, order.order.payer_id);
  }

  @ResolveField('order_items', () => OrderItemConnection, {
    nullable: true,
    description:
      'The lines, joined with their items; sortable by item_id, quantity, amount, desc, item_category.',
  })
  async orderItems(
    @Parent() order: OrderModel,
    @Args() args: ListArgs,
    @Context() context: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<OrderItemModel>> {
    // One batched query for the items of a whole page of orders (a missing item is undefined;
    // a failed read fails the field rather than showing lines without their items).
    const items = context.loaders.get(ITEM_BY_ID);
    const found = await Promise.all(
      order.order.order_items.map((line) => items.load(line.item_id)),
    );
    return toConnection(
      this.orders.linesOf(order.order, found, listRequest(args, info)),
      OrderItemModel.from,
    );
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
    return loadItem(context.loaders, line.itemDbId);
  }
}

/** `User.orders`: kept with the orders feature, so users know nothing of orders. */
@Resolver(() => UserModel)
export class UserOrdersResolver {
  constructor(private readonly service: OrdersService) {}

  @ResolveField('orders', () => UserOrderConnection, {
    nullable: true,
    description:
      "The user's orders; only that user or an admin (FORBIDDEN otherwise). Sortable by order_date, created_at.",
  })
  async orders(
    @Parent() user: UserModel,
    @Args() args: SortedPagingArgs,
    @Viewer() viewer: ViewerType,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<OrderModel>> {
    return toConnection(
      await this.service.ordersOf(viewer, user.dbId, listRequest(args, info)),
      OrderModel.from,
    );
  }
}

/** Live orders (graphql-ws): each delivered order resolves like a queried one. */
@Resolver(() => OrderModel)
export class OrderSubscriptionsResolver {
  constructor(
    private readonly orders: OrdersService,
    private readonly events: OrderEvents,
    private readonly loaders: LoaderRegistry,
  ) {}

  @Subscription(() => OrderModel, {
    description:
      'Each order created from now on whose buyer or payer is the user (no replay of earlier ones). Only that user or an admin (FORBIDDEN otherwise).',
  })
  orderCreated(
    @Args('user_id', {
      type: () => ID,
      nullable: true,
      description: 'Global id of the buyer or payer to follow; default: the viewer.',
    })
    userId: string | null,
    @Viewer() viewer: ViewerType,
    @Context() context: GraphQLContext,
  ): AsyncGenerator<{ orderCreated: OrderModel }> {
    const followed = userId ? expectGlobalId('User', userId, 'user_id') : viewer.user_id;
    this.orders.assertCanSeeOrdersOf(viewer, followed);
    return this.deliveries(followed, context);
  }

  private async *deliveries(
    userId: string,
    context: GraphQLContext,
  ): AsyncGenerator<{ orderCreated: OrderModel }> {
    for await (const order of this.events.createdFor(userId)) {
      // Each event is resolved like a request of its own: loaders cached across events would
      // serve stale users and items and grow for as long as the subscription lives.
      (context as { loaders: RequestLoaders }).loaders = this.loaders.forRequest();
      yield { orderCreated: OrderModel.from(order) };
    }
  }
}
