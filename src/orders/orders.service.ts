import { Inject, Injectable, Logger } from '@nestjs/common';
import { Error as MongooseError } from 'mongoose';
import { forbidden, notFound } from '../common/errors';
import {
  matchesFilter,
  parseSafeFilter,
  RAW_ID_FIELD,
  type FilterField,
  type MongoFilter,
} from '../common/filters/safe-filter';
import { expectGlobalId, isDbId, newDbId } from '../common/ids';
import { failed, succeeded, type Outcome } from '../common/outcome';
import { pageOfArray, resolveSort, type Page } from '../common/pagination/keyset';
import type { ListRequest } from '../common/pagination/list';
import { EventBus } from '../common/events/event-bus';
import { canSeePrivateDataOf, type Viewer } from '../common/viewer';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { isDatabaseUnavailable, isDuplicateKey } from '../database/database-errors';
import type { Item } from '../items/item.model';
import { ItemsRepository } from '../items/items.repository';
import { UsersRepository } from '../users/users.repository';
import type { JoinedLine, NewOrder, Order, OrderLine } from './order.model';
import { OrdersRepository } from './orders.repository';

const ORDER_SORTABLE = ['order_date', 'created_at'] as const;
const ORDER_FILTERABLE: Record<string, FilterField> = {
  _id: RAW_ID_FIELD,
  payer_id: { path: 'payer_id', kind: 'id' },
  order_date: { path: 'order_date', kind: 'date' },
  created_at: { path: 'created_at', kind: 'date' },
  'order_items.item_id': { path: 'order_items.item_id', kind: 'id' },
  'order_items.quantity': { path: 'order_items.quantity', kind: 'number' },
  'order_items.amount': { path: 'order_items.amount', kind: 'number' },
};
const ORDER_ITEM_SORTABLE = ['item_id', 'quantity', 'amount', 'desc', 'item_category'] as const;
const ORDER_ITEM_FILTERABLE: Record<string, FilterField> = {
  _id: RAW_ID_FIELD,
  item_id: { path: 'item_id', kind: 'id' },
  quantity: { path: 'quantity', kind: 'number' },
  amount: { path: 'amount', kind: 'number' },
  desc: { path: 'desc', kind: 'string' },
  item_category: { path: 'item_category', kind: 'string' },
};

/** A global id of a user or item in a filter may be given as a global id or a database id. */
function filterIdDecoder(value: string, field: string): string {
  const type = field.includes('item_id') ? 'Item' : 'User';
  return isDbId(value) ? value : expectGlobalId(type, value, field);
}

/** A line with its item's description, the item's details shallow-merged with the line's overrides. */
export function joinLine(line: OrderLine, item: Item | undefined): JoinedLine {
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

/** One line of a new order, with database ids. */
interface OrderLineRequest {
  readonly item_id: string;
  readonly quantity: number;
  readonly amount?: number | null;
  /** JSON text of the line's overrides of the item's details. */
  readonly item_details?: string | null;
}

/** A new order as the client asked for it, with database ids. */
export interface OrderRequest {
  readonly user_id: string;
  /** Default: the buyer. */
  readonly payer_id?: string | null;
  /** Default: now. */
  readonly order_date?: Date | null;
  readonly lines: readonly OrderLineRequest[];
}

/** What creating an order came to; `orderId` once it is stored. */
type CreateOrderOutcome = Outcome & { readonly orderId?: string };

export const ORDER_OUTCOMES = {
  created: (orderId: string): CreateOrderOutcome => ({
    ...succeeded('002', 'Order created'),
    orderId,
  }),
  badDetails: (itemId: string, reason: string): CreateOrderOutcome =>
    failed('DO01', `Item details parse failed for item ${itemId}: ${reason}`),
  unknownPerson: (message: string): CreateOrderOutcome => failed('DO02', message),
  unknownItem: (message: string): CreateOrderOutcome => failed('DO03', message),
  invalidLine: (message: string): CreateOrderOutcome => failed('DO04', message),
  failed: failed('EO01', 'Error creating Order') as CreateOrderOutcome,
};

const ORDER_CREATED = 'orders.created';

/** What an event carries: the order as stored (dates as text once it has crossed Redis). */
type OrderCreatedEvent = Omit<Order, 'order_date' | 'created_at'> & {
  readonly order_date?: Date | string;
  readonly created_at?: Date | string;
};

const asDate = (value: Date | string | undefined) =>
  value === undefined ? undefined : new Date(value);

/** New orders as they are stored, for whoever follows them (GraphQL subscriptions). */
@Injectable()
export class OrderEvents {
  constructor(private readonly bus: EventBus) {}

  /** Called once the insert is acknowledged: a failed create publishes nothing. */
  created(order: Order): Promise<void> {
    return this.bus.publish<OrderCreatedEvent>(ORDER_CREATED, order);
  }

  /** Orders created from now on whose buyer or payer is `userId`, until the iterator is returned. */
  async *createdFor(userId: string): AsyncGenerator<Order> {
    // Returning this generator ends the loop, which returns (unsubscribes) the bus's iterator.
    for await (const event of this.bus.subscribe<OrderCreatedEvent>(ORDER_CREATED)) {
      if (event.user_id !== userId && event.payer_id !== userId) continue;
      yield {
        ...event,
        order_date: asDate(event.order_date),
        created_at: asDate(event.created_at),
      };
    }
  }
}

/** Orders: who may see them, how they are listed, and the rules of creating one. */
@Injectable()
export class OrdersService {
  private readonly logger = new Logger('Orders');

  constructor(
    private readonly orders: OrdersRepository,
    private readonly users: UsersRepository,
    private readonly items: ItemsRepository,
    private readonly events: OrderEvents,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Only the buyer or an admin sees a user's orders. */
  assertCanSeeOrdersOf(viewer: Viewer, userId: string): void {
    if (!canSeePrivateDataOf(viewer, userId))
      throw forbidden("Only this user or an admin can see this user's orders");
  }

  /** `listUserOrders`: the user must exist (NOT_FOUND otherwise), and be the viewer or the viewer an admin. */
  async listForUser(viewer: Viewer, userId: string, request: ListRequest): Promise<Page<Order>> {
    this.assertCanSeeOrdersOf(viewer, userId);
    const filter = parseSafeFilter(request.filter, ORDER_FILTERABLE, { decodeId: filterIdDecoder });
    // The existence check and the page are independent: one round trip of latency, not two.
    const [user, page] = await Promise.all([
      this.users.findById(userId),
      this.page(userId, filter, request),
    ]);
    if (!user) throw notFound('User not found');
    return page;
  }

  /** `User.orders`: the same list, reached from a user the viewer already has. */
  ordersOf(viewer: Viewer, userId: string, request: ListRequest): Promise<Page<Order>> {
    this.assertCanSeeOrdersOf(viewer, userId);
    return this.page(userId, {}, request);
  }

  private async page(userId: string, filter: MongoFilter, request: ListRequest) {
    const keys = resolveSort(request.orderBy, ORDER_SORTABLE);
    const scoped = { ...filter, user_id: userId };
    return this.orders.page({ filter: scoped, keys, page: request, limits: this.config.graphql });
  }

  /** One order line by id, with its order, under the same rule as the order; undefined when none. */
  async findLine(
    viewer: Viewer,
    lineId: string,
  ): Promise<{ order: Order; line: OrderLine } | undefined> {
    const order = await this.orders.findByLineId(lineId);
    const line = order?.order_items.find((l) => l._id.toString() === lineId);
    if (!order || !line) return undefined;
    this.assertCanSeeOrdersOf(viewer, order.user_id);
    return { order, line };
  }

  /**
   * `UserOrder.order_items`: the order's lines joined with their items
   * (`items[i]` is the item of line i, or undefined), sorted, filtered and paged in memory.
   */
  linesOf(
    order: Order,
    items: readonly (Item | undefined)[],
    request: ListRequest,
  ): Page<JoinedLine> {
    const filter = parseSafeFilter(request.filter, ORDER_ITEM_FILTERABLE, {
      decodeId: filterIdDecoder,
    });
    const keys = resolveSort(request.orderBy, ORDER_ITEM_SORTABLE);
    const joined = order.order_items
      .map((line, i) => joinLine(line, items[i]))
      .filter((line) => matchesFilter(line, filter));
    return pageOfArray(joined, keys, request, this.config.graphql);
  }

  /** Checks and stores a new order: the outcome says what happened (002, DO01-DO04, EO01). */
  async create(viewer: Viewer, request: OrderRequest): Promise<CreateOrderOutcome> {
    const payerId = request.payer_id ?? request.user_id;
    if (!canSeePrivateDataOf(viewer, request.user_id)) {
      throw forbidden('You can only create orders for yourself');
    }
    const lines = request.lines;
    if (lines.length === 0) return ORDER_OUTCOMES.invalidLine('An order needs at least one line');
    const details: Record<string, unknown>[] = [];
    for (const line of lines) {
      const problem = this.lineProblem(line, details);
      if (problem) return problem;
    }

    try {
      const personIds = [...new Set([request.user_id, payerId])];
      const itemIds = [...new Set(lines.map((line) => line.item_id))];
      const [people, items] = await Promise.all([
        this.users.findByIds(personIds),
        this.items.findByIds(itemIds),
      ]);
      const found = new Set(people.map((person) => person._id));
      if (!found.has(request.user_id))
        return ORDER_OUTCOMES.unknownPerson(`User ${request.user_id} not found`);
      if (!found.has(payerId)) return ORDER_OUTCOMES.unknownPerson(`Payer ${payerId} not found`);
      const itemsById = new Map(items.map((item) => [item._id, item]));
      const missing = lines.find((line) => !itemsById.has(line.item_id));
      if (missing) return ORDER_OUTCOMES.unknownItem(`Item ${missing.item_id} not found`);

      const order: NewOrder = {
        _id: newDbId(),
        user_id: request.user_id,
        payer_id: payerId,
        order_date: request.order_date ?? new Date(),
        order_items: lines.map((line, i) => ({
          item_id: line.item_id,
          quantity: line.quantity,
          amount: line.amount ?? defaultAmount(itemsById.get(line.item_id)!, line.quantity),
          item_details: details[i],
        })),
      };
      const created = await this.insertRetryingIdCollisions(order);
      await this.events.created(created);
      return ORDER_OUTCOMES.created(created._id);
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error;
      if (error instanceof MongooseError.ValidationError) {
        this.logger.warn(`An order failed validation: ${error.message}`);
        return ORDER_OUTCOMES.invalidLine('An order line is not valid');
      }
      this.logger.error(`Creating an order failed: ${(error as Error).message}`);
      return ORDER_OUTCOMES.failed;
    }
  }

  private lineProblem(
    line: OrderLineRequest,
    details: Record<string, unknown>[],
  ): CreateOrderOutcome | undefined {
    let parsed: unknown = {};
    if (line.item_details) {
      try {
        parsed = JSON.parse(line.item_details);
      } catch (error) {
        return ORDER_OUTCOMES.badDetails(line.item_id, (error as Error).message);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return ORDER_OUTCOMES.badDetails(line.item_id, 'not a JSON object');
      }
    }
    details.push(parsed as Record<string, unknown>);
    if (!Number.isFinite(line.quantity) || line.quantity <= 0) {
      return ORDER_OUTCOMES.invalidLine(`Quantity of item ${line.item_id} must be greater than 0`);
    }
    if (line.amount != null && (!Number.isFinite(line.amount) || line.amount < 0)) {
      return ORDER_OUTCOMES.invalidLine(`Amount of item ${line.item_id} must not be negative`);
    }
    return undefined;
  }

  private async insertRetryingIdCollisions(order: NewOrder): Promise<Order> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.orders.insert(attempt === 0 ? order : { ...order, _id: newDbId() });
      } catch (error) {
        if (!isDuplicateKey(error) || attempt >= 3) throw error;
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
