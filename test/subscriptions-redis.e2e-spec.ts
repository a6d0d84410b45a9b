import { toGlobalId } from '../src/common/ids';
import { graphql, JANE, login } from './support/auth-helpers';
import { startTestApp } from './support';
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
  });

  it('delivers an order created through either process to subscribers on both, once each', async () => {
    const [onFirst, onSecond] = [await subscriber(replicas[0]), await subscriber(replicas[1])];
    await new Promise((resolve) => setTimeout(resolve, 200));
    const created = [await createOrder(replicas[0]), await createOrder(replicas[1])];
    expect(idsOf(await onFirst.received(2))).toEqual(created);
    expect(idsOf(await onSecond.received(2))).toEqual(created);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(onFirst.results).toHaveLength(2);
    expect(onSecond.results).toHaveLength(2);
  });

  it('keeps mutations working while Redis is down, says so in the log, and delivers again once it is back', async () => {
    const listening = await subscriber(replicas[1]);
    await new Promise((resolve) => setTimeout(resolve, 200));
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
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(outageLines()).toBeLessThanOrEqual(2);

    await redis.start();
    // Both processes reconnect and subscribe again on their own.
    let delivered: string | undefined;
    for (let attempt = 0; attempt < 50 && !delivered; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const id = await createOrder(replicas[0]);
      if (listening.results.length > 0) delivered = id;
    }
    await listening.received(1);
    expect(listening.results.length).toBeGreaterThan(0);
  }, 30_000);
});
