import { Inject, Injectable, Logger } from '@nestjs/common';
import type { GraphQLResolveInfo } from 'graphql';
import { Error as MongooseError } from 'mongoose';
import { canSeePrivateDataOf, isAdmin, type Viewer } from '../auth/viewer';
import { forbidden, notFound } from '../common/errors';
import { matchesFilter, parseSafeFilter, type FilterField } from '../common/filters/safe-filter';
import { expectGlobalId, isDbId, newDbId, toGlobalId } from '../common/ids';
import { selects, toConnection } from '../common/pagination/connection';
import {
  pageLimits,
  pageOfArray,
  resolveSort,
  type PageRequest,
} from '../common/pagination/keyset';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { isDatabaseUnavailable } from '../graphql/error-formatting';
import type { ListArgs, SortedPagingArgs } from '../graphql/dto/list.args';
import type { GraphQLContext } from '../graphql/graphql-context';
import { failure, success, type CompletionObj } from '../graphql/models/completion-obj.model';
import type { Connection } from '../graphql/models/connection.factory';
import type { Item } from '../items/item';
import type { CreateOrderInput, CreateOrderPayload } from './dto/create-order.input';
import { OrderItemModel, OrderModel } from './models/order.model';
import type { NewOrder, Order, OrderLine } from './order';
import { OrdersRepository } from './orders.repository';

export const ORDER_SORTABLE = { order_date: 'order_date', created_at: 'created_at' } as const;
export const ORDER_FILTERABLE: Record<string, FilterField> = {
  payer_id: { path: 'payer_id', kind: 'id' },
  order_date: { path: 'order_date', kind: 'date' },
  created_at: { path: 'created_at', kind: 'date' },
  'order_items.item_id': { path: 'order_items.item_id', kind: 'id' },
  'order_items.quantity': { path: 'order_items.quantity', kind: 'number' },
  'order_items.amount': { path: 'order_items.amount', kind: 'number' },
};
export const ORDER_ITEM_SORTABLE = {
  item_id: 'item_id',
  quantity: 'quantity',
  amount: 'amount',
  desc: 'desc',
  item_category: 'item_category',
} as const;
export const ORDER_ITEM_FILTERABLE: Record<string, FilterField> = {
  item_id: { path: 'item_id', kind: 'id' },
  quantity: { path: 'quantity', kind: 'number' },
  amount: { path: 'amount', kind: 'number' },
  desc: { path: 'desc', kind: 'string' },
  item_category: { path: 'item_category', kind: 'string' },
};

/** A line joined with its item: what OrderItem shows, and what its sort and filter see. */
interface JoinedLine {
  readonly _id: string;
  readonly item_id: string;
  readonly quantity: number;
  readonly amount: number;
  readonly desc: string | null;
  readonly item_category: string | null;
  readonly item_details: Record<string, unknown>;
}

/** A global id of a user or item in a filter may be given as a global id or a database id. */
function filterIdDecoder(value: string, field: string): string {
  const type = field.includes('item_id') ? 'Item' : 'User';
  return isDbId(value) ? value : expectGlobalId(type, value, field);
}

export function presentOrder(order: Order): OrderModel {
  return Object.assign(new OrderModel(), {
    order,
    id: toGlobalId('UserOrder', order._id),
    user_id: toGlobalId('User', order.user_id),
    payer_id: toGlobalId('User', order.payer_id),
    order_date: order.order_date,
  });
}

function joinLine(line: OrderLine, item: Item | undefined): JoinedLine {
  return {
    _id: line._id.toString(),
    item_id: line.item_id,
    quantity: line.quantity,
    amount: line.amount,
    desc: item?.desc ?? null,
    item_category: item?.item_category ?? null,
    item_details: { ...(item?.item_details ?? {}), ...(line.item_details ?? {}) },
  };
}

function presentLine(line: JoinedLine): OrderItemModel {
  return Object.assign(new OrderItemModel(), {
    itemDbId: line.item_id,
    id: toGlobalId('OrderItem', line._id),
    item_id: toGlobalId('Item', line.item_id),
    desc: line.desc,
    item_category: line.item_category,
    quantity: line.quantity,
    amount: line.amount,
    item_details: JSON.stringify(line.item_details),
  });
}

type LineProblem = { msg_id: 'DO01' | 'DO04'; msg: string };

/** Orders: who may see them, how they are listed, and the rules of creating one. */
@Injectable()
export class OrdersService {
  private readonly logger = new Logger('Orders');

  constructor(
    private readonly orders: OrdersRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Only the buyer or an admin sees a user's orders. */
  assertCanSeeOrdersOf(viewer: Viewer, userId: string): void {
    if (!canSeePrivateDataOf(viewer, userId))
      throw forbidden("Only this user or an admin can see this user's orders");
  }

  /** `listUserOrders`: the user must exist (NOT_FOUND otherwise), and be the viewer or the viewer an admin. */
  async listForUser(
    context: GraphQLContext,
    userGlobalId: string,
    args: ListArgs,
    info?: GraphQLResolveInfo,
  ): Promise<Connection<OrderModel>> {
    const userId = expectGlobalId('User', userGlobalId, 'user_id');
    this.assertCanSeeOrdersOf(context.viewer, userId);
    const filter = parseSafeFilter(args.filterValues?.filterValuesString, ORDER_FILTERABLE, {
      decodeId: filterIdDecoder,
    });
    // The existence check and the page are independent: one round trip of latency, not two.
    const [user, connection] = await Promise.all([
      context.loaders.users.load(userId),
      this.page(userId, filter, args, info),
    ]);
    if (!user) throw notFound('User not found');
    return connection;
  }

  /** `User.orders`: the same list, reached from a user the viewer already has. */
  async ordersOf(
    viewer: Viewer,
    userId: string,
    args: SortedPagingArgs,
    info?: GraphQLResolveInfo,
  ): Promise<Connection<OrderModel>> {
    this.assertCanSeeOrdersOf(viewer, userId);
    return this.page(userId, {}, args, info);
  }

  private async page(
    userId: string,
    filter: Record<string, unknown>,
    args: SortedPagingArgs,
    info?: GraphQLResolveInfo,
  ) {
    const keys = resolveSort(args.orderBy, ORDER_SORTABLE);
    const scoped = { ...filter, user_id: userId };
    const page = await this.orders.page({
      filter: scoped,
      keys,
      page: args as PageRequest,
      limits: pageLimits(this.config),
    });
    return toConnection(
      page,
      presentOrder,
      selects(info, 'totalCount') ? () => this.orders.count(scoped) : undefined,
    );
  }

  /** An order by id for `node`; FORBIDDEN unless the viewer bought it or is an admin. */
  async orderForViewer(context: GraphQLContext, orderId: string): Promise<OrderModel | null> {
    const order = await context.loaders.orders.load(orderId);
    if (!order) return null;
    this.assertCanSeeOrdersOf(context.viewer, order.user_id);
    return presentOrder(order);
  }

  /** One order line by id for `node`, under the same rule as its order. */
  async lineForViewer(context: GraphQLContext, lineId: string): Promise<OrderItemModel | null> {
    const order = await this.orders.findByLineId(lineId);
    const line = order?.order_items.find((l) => l._id.toString() === lineId);
    if (!order || !line) return null;
    this.assertCanSeeOrdersOf(context.viewer, order.user_id);
    return presentLine(joinLine(line, await context.loaders.items.load(line.item_id)));
  }

  /** `UserOrder.order_items`: the order's lines joined with their items (one batched query for a whole page of orders). */
  async linesOf(
    context: GraphQLContext,
    order: Order,
    args: ListArgs,
    info?: GraphQLResolveInfo,
  ): Promise<Connection<OrderItemModel>> {
    const filter = parseSafeFilter(args.filterValues?.filterValuesString, ORDER_ITEM_FILTERABLE, {
      decodeId: filterIdDecoder,
    });
    const keys = resolveSort(args.orderBy, ORDER_ITEM_SORTABLE);
    const items = await context.loaders.items.loadMany(
      order.order_items.map((line) => line.item_id),
    );
    const joined = order.order_items
      .map((line, i) =>
        joinLine(line, items[i] instanceof Error ? undefined : (items[i] as Item | undefined)),
      )
      .filter((line) => matchesFilter(line, filter));
    const page = pageOfArray(joined, keys, args as PageRequest, pageLimits(this.config));
    return toConnection(
      page,
      presentLine,
      selects(info, 'totalCount') ? async () => joined.length : undefined,
    );
  }

  async create(context: GraphQLContext, input: CreateOrderInput): Promise<CreateOrderPayload> {
    const clientMutationId = input.clientMutationId ?? null;
    const reply = (completionObj: CompletionObj, orderId?: string): CreateOrderPayload => ({
      order_id: orderId ? toGlobalId('UserOrder', orderId) : null,
      completionObj,
      clientMutationId,
    });
    const data = input.order_data;
    if (!data) return reply(failure('DO04', 'order_data is required'));
    // Ids of the wrong type are bad input (errors), as in every other argument.
    const userId = expectGlobalId('User', data.user_id, 'order_data.user_id');
    const payerId = data.payer_id
      ? expectGlobalId('User', data.payer_id, 'order_data.payer_id')
      : userId;
    const lines = (data.order_items ?? []).filter(
      (line): line is NonNullable<typeof line> => line !== null,
    );
    const itemIds = lines.map((line, i) =>
      expectGlobalId('Item', line.item_id, `order_data.order_items[${i}].item_id`),
    );
    if (context.viewer.user_id !== userId && !isAdmin(context.viewer)) {
      throw forbidden('You can only create orders for yourself');
    }

    if (lines.length === 0) return reply(failure('DO04', 'An order needs at least one line'));
    const details: Record<string, unknown>[] = [];
    for (const line of lines) {
      const problem = this.lineProblem(line, details);
      if (problem) return reply(failure(problem.msg_id, problem.msg));
    }

    try {
      const personIds = [...new Set([userId, payerId])];
      const people = await context.loaders.users.loadMany(personIds);
      const found = new Set(personIds.filter((_, i) => people[i] && !(people[i] instanceof Error)));
      if (!found.has(userId)) return reply(failure('DO02', `User ${data.user_id} not found`));
      if (!found.has(payerId)) return reply(failure('DO02', `Payer ${data.payer_id} not found`));
      const items = await context.loaders.items.loadMany(itemIds);
      const missingItem = itemIds.findIndex((_, i) => !items[i] || items[i] instanceof Error);
      if (missingItem >= 0)
        return reply(failure('DO03', `Item ${lines[missingItem].item_id} not found`));

      const order: NewOrder = {
        _id: newDbId(),
        user_id: userId,
        payer_id: payerId,
        order_date: data.order_date ?? new Date(),
        order_items: lines.map((line, i) => ({
          item_id: itemIds[i],
          quantity: line.quantity,
          amount: line.amount ?? defaultAmount(items[i] as Item, line.quantity),
          item_details: details[i],
        })),
      };
      const created = await this.insertRetryingIdCollisions(order);
      return reply(success('002', 'Order created'), created._id);
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error;
      if (error instanceof MongooseError.ValidationError) {
        return reply(
          failure('DO04', Object.values(error.errors)[0]?.message ?? 'Invalid order line'),
        );
      }
      this.logger.error(`Creating an order failed: ${(error as Error).message}`);
      return reply(failure('EO01', 'Error creating Order'));
    }
  }

  private lineProblem(
    line: {
      quantity: number;
      amount?: number | null;
      item_details?: string | null;
      item_id: string;
    },
    details: Record<string, unknown>[],
  ): LineProblem | undefined {
    if (line.item_details !== undefined && line.item_details !== null && line.item_details !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line.item_details);
      } catch (error) {
        return {
          msg_id: 'DO01',
          msg: `Item details parse failed for item ${line.item_id}: ${(error as Error).message}`,
        };
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return {
          msg_id: 'DO01',
          msg: `Item details parse failed for item ${line.item_id}: not a JSON object`,
        };
      }
      details.push(parsed as Record<string, unknown>);
    } else {
      details.push({});
    }
    if (!Number.isFinite(line.quantity) || line.quantity <= 0) {
      return { msg_id: 'DO04', msg: `Quantity of item ${line.item_id} must be greater than 0` };
    }
    if (
      line.amount !== undefined &&
      line.amount !== null &&
      (!Number.isFinite(line.amount) || line.amount < 0)
    ) {
      return { msg_id: 'DO04', msg: `Amount of item ${line.item_id} must not be negative` };
    }
    return undefined;
  }

  private async insertRetryingIdCollisions(order: NewOrder): Promise<Order> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.orders.insert(attempt === 0 ? order : { ...order, _id: newDbId() });
      } catch (error) {
        if ((error as { code?: unknown }).code !== 11000 || attempt >= 3) throw error;
      }
    }
  }
}

/** The item's price valid now (else its first), times the quantity, in cents precision. */
function defaultAmount(item: Item, quantity: number): number {
  const now = Date.now();
  const current =
    item.item_price.find(
      (p) =>
        (!p.valid_from || new Date(p.valid_from).getTime() <= now) &&
        (!p.valid_to || new Date(p.valid_to).getTime() > now),
    ) ?? item.item_price[0];
  return Math.round((current?.amount ?? 0) * quantity * 100) / 100;
}
