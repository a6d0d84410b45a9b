import { Injectable } from '@nestjs/common';
import { EventBus } from '../common/events/event-bus';
import type { Order } from './order';

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
    const events = this.bus.subscribe<OrderCreatedEvent>(ORDER_CREATED);
    try {
      for await (const event of events) {
        if (event.user_id !== userId && event.payer_id !== userId) continue;
        yield {
          ...event,
          order_date: asDate(event.order_date),
          created_at: asDate(event.created_at),
        };
      }
    } finally {
      await events.return?.();
    }
  }
}
