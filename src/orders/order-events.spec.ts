import { EventBus } from '../common/events/event-bus';
import { loadConfig } from '../config/app-config';
import type { Order } from './order.model';
import { OrderEvents } from './orders.service';

const order = (id: string, user_id: string, payer_id = user_id): Order => ({
  _id: id,
  user_id,
  payer_id,
  order_date: new Date('2026-12-03T10:00:00Z'),
  order_items: [],
});

describe('OrderEvents (in-memory bus)', () => {
  const events = new OrderEvents(new EventBus(loadConfig({ NODE_ENV: 'test' }, { dotenv: false })));

  it("follows a user's orders as buyer or payer, from the moment it starts, and stops when returned", async () => {
    await events.created(order('before', 'Jane'));
    const jane = events.createdFor('Jane');
    const first = jane.next();
    await events.created(order('johns', 'John'));
    await events.created(order('paid-by-jane', 'John', 'Jane'));
    await events.created(order('janes', 'Jane'));
    expect((await first).value).toEqual(order('paid-by-jane', 'John', 'Jane'));
    expect((await jane.next()).value).toEqual(order('janes', 'Jane'));
    await jane.return(undefined);
    expect((await jane.next()).done).toBe(true);
  });

  it('gives dates back as dates when an event carried them as text (through Redis)', async () => {
    const jane = events.createdFor('Jane');
    const next = jane.next();
    await (events as unknown as { bus: EventBus }).bus.publish('orders.created', {
      ...order('from-redis', 'Jane'),
      order_date: '2026-12-03T10:00:00.000Z',
    });
    expect((await next).value.order_date).toEqual(new Date('2026-12-03T10:00:00Z'));
    await jane.return(undefined);
  });
});
