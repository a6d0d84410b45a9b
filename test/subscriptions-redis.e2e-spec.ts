import { RedisPubSub } from 'graphql-redis-subscriptions';
import { toGlobalId } from '../src/common/ids';
import { graphql, JANE, login } from './support/auth-helpers';
import { startTestApp, waitFor } from './support';
import { countEventSubscriptions, type EventSubscriptions } from './support/event-subscriptions';
import { startRedis, type TestRedis } from './support/redis-server';
import { testDatabaseUri, uniqueDatabaseName, type TestApp } from './support/test-app';
import { subscribe, wsClient } from './support/ws-client';

const JANE_ID = toGlobalId('User', JANE.id);
const FOOD = toGlobalId('Item', '1HEOx6FnC7cM');
const ORDER_CREATED = 'subscription { orderCreated { id } }';

/** Two processes sharing one database and one Redis: replicas behind a load balancer. */
describe('subscriptions across processes (REDIS_URL)', () => {
  let redis: TestRedis;
  let replicas: TestApp[];
  let jane: string;
  let bus: EventSubscriptions;
  const clients: Array<{ dispose(): unknown }> = [];

  const createOrder = async (app: TestApp) => {
    const response = await graphql<{ createOrder: { order_id: string } }>(
      app,
      `mutation { createOrder(input: {order_data: {user_id: "${JANE_ID}", order_items: [{item_id: "${FOOD}", quantity: 1}]}}) { order_id } }`,
      { token: jane },
    );
    return response.body.data!.createOrder.order_id;
  };
  const subscriber = async (app: TestApp) => {
    const connection = wsClient(app.url, { token: jane });
    clients.push(connection.client);
    await connection.connected;
    return subscribe(connection.client, ORDER_CREATED);
  };
  const idsOf = (results: Array<{ data?: Record<string, any> | null }>) =>
    results.map((result) => result.data!.orderCreated.id);

  beforeAll(async () => {
    // Both processes run in this one: the count is theirs together.
    bus = countEventSubscriptions(RedisPubSub);
    redis = await startRedis();
    const mongodbUri = testDatabaseUri(uniqueDatabaseName());
    const env = { REDIS_URL: redis.url };
    const first = await startTestApp({ mongodbUri, seed: true, captureLogs: true, env });
    // One key pair, as replicas share it.
    replicas = [first, await startTestApp({ mongodbUri, env: { ...first.keys.env, ...env } })];
    jane = await login(replicas[0], JANE);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await replicas?.[0]?.connection.dropDatabase().catch(() => undefined);
    for (const replica of replicas ?? []) await replica.close();
    await redis?.stop();
    bus.restore();
  });

  it('delivers an order created through either process to subscribers on both, once each', async () => {
    const listening = bus.registered() + 2;
    const [onFirst, onSecond] = [await subscriber(replicas[0]), await subscriber(replicas[1])];
    await bus.reach(listening);
    const created = [await createOrder(replicas[0]), await createOrder(replicas[1])];
    expect(idsOf(await onFirst.received(2))).toEqual(created);
    expect(idsOf(await onSecond.received(2))).toEqual(created);
    // Nothing more arrives: each event crosses Redis once.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(onFirst.results).toHaveLength(2);
    expect(onSecond.results).toHaveLength(2);
  });

  it('keeps mutations working while Redis is down, says so in the log, and delivers again once it is back', async () => {
    const registered = bus.registered() + 1;
    const listening = await subscriber(replicas[1]);
    // Subscribed before the outage: what comes back is a subscription that lived through it.
    await bus.reach(registered);
    await redis.stop();
    expect(await createOrder(replicas[0])).toEqual(expect.any(String));
    // Both processes log into the captured stream: one line each at most, however many events fail.
    const outageLines = () =>
      replicas[0].logs.filter((line) => line.includes('Redis for events unreachable')).length;
    const first = outageLines();
    expect(first).toBeGreaterThanOrEqual(1);
    expect(first).toBeLessThanOrEqual(2);
    await createOrder(replicas[0]);
    await createOrder(replicas[1]);
    // Nothing more is logged: the further failures are not reported again within the minute.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(outageLines()).toBeLessThanOrEqual(2);

    await redis.start();
    // Both processes reconnect and subscribe again on their own: orders are created until one
    // created through the first reaches the subscriber on the second.
    await waitFor(
      'an order to be delivered once Redis is back',
      async () => {
        await createOrder(replicas[0]);
        return listening.results.length > 0;
      },
      20_000,
      200,
    );
    await listening.received(1);
    expect(listening.results.length).toBeGreaterThan(0);
  }, 30_000);
});
