import { PubSub } from 'graphql-subscriptions';
import { toGlobalId } from '../src/common/ids';
import {
  ADMIN,
  graphql,
  JANE,
  JOHN,
  login,
  makeTestKeys,
  seedSampleData,
  signToken,
  type TestKeys,
} from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';
import { rawSocket, subscribe, wsClient, type SocketOptions } from './support/ws-client';
import { startTestApp as startKitApp, USERS, waitFor, type KitApp } from './support';
import { countEventSubscriptions, type EventSubscriptions } from './support/event-subscriptions';

const gid = toGlobalId;
const JANE_ID = gid('User', JANE.id);
const JOHN_ID = gid('User', JOHN.id);
const FOOD = gid('Item', '1HEOx6FnC7cM');

const ORDER_CREATED = `subscription ($user_id: ID) {
  orderCreated(user_id: $user_id) {
    id user_id payer_id
    user { username }
    payer { username }
    order_items { edges { node { quantity item { desc } } } }
  }
}`;

describe('subscriptions over graphql-ws', () => {
  let app: TestApp;
  let keys: TestKeys;
  let jane: string;
  let john: string;
  let admin: string;
  let bus: EventSubscriptions;
  const open: Array<{ dispose(): unknown }> = [];

  const connect = async (options: SocketOptions) => {
    const connection = wsClient(app.url, options);
    open.push(connection.client);
    await connection.connected;
    return connection;
  };
  const createOrder = async (token: string, userId: string, payerId = userId, item = FOOD) => {
    const response = await graphql<{
      createOrder: { order_id: string | null; completionObj: { msg_id: string } };
    }>(
      app,
      `
        mutation ($user_id: ID!, $payer_id: ID, $item: ID!) {
          createOrder(
            input: {
              order_data: {
                user_id: $user_id
                payer_id: $payer_id
                order_items: [{ item_id: $item, quantity: 2 }]
              }
            }
          ) {
            order_id
            completionObj {
              msg_id
            }
          }
        }
      `,
      { token, variables: { user_id: userId, payer_id: payerId, item } },
    );
    if (!response.body.data) throw new Error(JSON.stringify(response.body));
    return response.body.data.createOrder;
  };

  beforeAll(async () => {
    bus = countEventSubscriptions(PubSub);
    keys = await makeTestKeys();
    app = await startTestApp({
      captureLogs: true,
      env: {
        ...keys.env,
        LOGIN_RATE_LIMIT_PER_ADDRESS: '1000',
        CORS_ORIGINS: 'http://localhost:5173',
        WS_MAX_CONNECTIONS_PER_VIEWER: '3',
        WS_MAX_OPERATIONS_PER_CONNECTION: '2',
        GRAPHQL_MAX_DEPTH: '6',
        GRAPHQL_MAX_COST: '500',
        GRAPHQL_MAX_ALIASES: '3',
      },
    });
    await seedSampleData(app);
    [jane, john, admin] = await Promise.all([
      login(app, JANE),
      login(app, JOHN),
      login(app, ADMIN),
    ]);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((client) => client.dispose()));
  });
  afterAll(async () => {
    bus.restore();
    await app?.close();
  });

  describe('delivery', () => {
    it('sends each new order to its buyer, its payer and admins who follow them, resolved like a query', async () => {
      const listening = bus.registered() + 4;
      const janes = subscribe((await connect({ token: jane })).client, ORDER_CREATED);
      const johns = subscribe(
        (await connect({ bearer: john, path: '/graph' })).client,
        ORDER_CREATED,
      );
      const admins = subscribe((await connect({ token: admin })).client, ORDER_CREATED, {
        user_id: JANE_ID,
      });
      const adminsOwn = subscribe((await connect({ token: admin })).client, ORDER_CREATED);
      await bus.reach(listening);

      const paidByJohn = await createOrder(jane, JANE_ID, JOHN_ID);
      const johnsOwn = await createOrder(john, JOHN_ID);
      expect(paidByJohn.completionObj.msg_id).toBe('002');

      const [janeEvent] = await janes.received(1);
      expect(janeEvent.data!.orderCreated).toEqual({
        id: paidByJohn.order_id,
        user_id: JANE_ID,
        payer_id: JOHN_ID,
        user: { username: 'jane01' },
        payer: { username: 'john01' },
        order_items: { edges: [{ node: { quantity: 2, item: { desc: expect.any(String) } } }] },
      });
      const johnEvents = await johns.received(2);
      expect(johnEvents.map((event) => event.data!.orderCreated.id)).toEqual([
        paidByJohn.order_id,
        johnsOwn.order_id,
      ]);
      expect((await admins.received(1)).map((event) => event.data!.orderCreated.id)).toEqual([
        paidByJohn.order_id,
      ]);
      // Nothing more arrives: John's own order is neither Jane's nor the admin's.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(janes.results).toHaveLength(1);
      expect(admins.results).toHaveLength(1);
      expect(adminsOwn.results).toHaveLength(0);
    });

    it("refuses another user's orders to a user (FORBIDDEN), not to an admin", async () => {
      const { client } = await connect({ token: jane });
      const refused = subscribe(client, ORDER_CREATED, { user_id: JOHN_ID });
      const [result] = await refused.received(1);
      expect(result.data).toBeUndefined();
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      await refused.completed;
    });

    it('publishes nothing for a failed create', async () => {
      const listening = bus.registered() + 1;
      const janes = subscribe((await connect({ token: jane })).client, ORDER_CREATED);
      await bus.reach(listening);
      const failed = await createOrder(jane, JANE_ID, JANE_ID, gid('Item', 'NoSuchItem01'));
      expect(failed).toEqual({ order_id: null, completionObj: { msg_id: 'DO03' } });
      const stored = await createOrder(jane, JANE_ID);
      const events = await janes.received(1);
      // Nothing more arrives: the failed create published nothing, before or after.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(events.map((event) => event.data!.orderCreated.id)).toEqual([stored.order_id]);
    });
  });

  describe('authentication at connect', () => {
    it('closes with 4401 without a token, or with an invalid or expired one', async () => {
      for (const options of [
        {},
        { token: 'not-a-jwt' },
        { bearer: await signToken(keys, { exp: Math.floor(Date.now() / 1000) - 3600 }) },
        { bearer: await signToken({ ...(await makeTestKeys()), kid: keys.kid }) },
      ]) {
        const { closed } = wsClient(app.url, options);
        expect((await closed).code).toBe(4401);
      }
    });

    it('closes with 4401 when the token expires while the socket is open', async () => {
      const exp = Math.floor(Date.now() / 1000) + 2;
      const { closed } = await connect({ bearer: await signToken(keys, { exp }) });
      const ended = await closed;
      expect(ended.code).toBe(4401);
      expect(ended.reason).toMatch(/expired/);
      expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
      expect(Date.now()).toBeLessThan(exp * 1000 + 3_000);
    });

    it('closes with 4403 past the connections allowed per viewer', async () => {
      for (let i = 0; i < 3; i += 1) await connect({ token: john });
      const { closed } = wsClient(app.url, { token: john });
      const ended = await closed;
      expect(ended).toEqual({ code: 4403, reason: 'Forbidden: at most 3 connections per viewer' });
    });

    it.each([
      ['4400 on a message that is not graphql-ws', [{ type: 'hello' }], 4400],
      ['4429 on a second connection_init', [{ type: 'connection_init' }], 4429],
      [
        '4409 on a second subscribe with an id in use',
        [
          {
            id: '1',
            type: 'subscribe',
            payload: { query: 'subscription { orderCreated { id } }' },
          },
          {
            id: '1',
            type: 'subscribe',
            payload: { query: 'subscription { orderCreated { id } }' },
          },
        ],
        4409,
      ],
    ])('closes with %s', async (_case, messages, code) => {
      const opened = await rawSocket(app.url, { token: jane });
      if (!('socket' in opened)) throw new Error(`refused: ${opened.status}`);
      const acknowledged = new Promise((resolve) => opened.socket.once('message', resolve));
      opened.socket.send(JSON.stringify({ type: 'connection_init' }));
      expect(JSON.parse(String(await acknowledged))).toEqual({ type: 'connection_ack' });
      for (const message of messages) opened.socket.send(JSON.stringify(message));
      expect((await opened.closed).code).toBe(code);
    });

    it('closes with 4408 when connection_init does not come within 3 s', async () => {
      const opened = await rawSocket(app.url);
      if (!('socket' in opened)) throw new Error(`refused: ${opened.status}`);
      const startedAt = Date.now();
      expect((await opened.closed).code).toBe(4408);
      expect(Date.now() - startedAt).toBeGreaterThan(2_500);
    });
  });

  describe('origin', () => {
    it.each([
      ['a foreign origin', 'https://evil.example'],
      ['the null origin', 'null'],
    ])('refuses %s with HTTP 403 before the upgrade', async (_case, origin) => {
      expect(await rawSocket(app.url, { token: jane, origin })).toEqual({ status: 403 });
    });

    it("accepts the server's own origin and CORS_ORIGINS", async () => {
      for (const origin of [app.url, 'http://localhost:5173']) {
        const opened = await rawSocket(app.url, { token: jane, origin });
        expect(opened).toHaveProperty('socket');
        if ('socket' in opened) opened.socket.close();
      }
    });

    it('answers 404 on other paths', async () => {
      expect(await rawSocket(app.url, { path: '/elsewhere' })).toEqual({ status: 404 });
    });
  });

  describe('limits', () => {
    it('applies the depth limit to subscription documents', async () => {
      const { client } = await connect({ token: jane });
      const deep = subscribe(
        client,
        'subscription { orderCreated { user { orders { edges { node { user { orders { totalCount } } } } } } } }',
      );
      await deep.completed;
      expect(deep.errors).toEqual([
        expect.objectContaining({
          extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }),
        }),
      ]);
    });

    it.each([
      [
        'cost',
        'subscription { orderCreated { order_items(first: 100) { edges { cursor node { id quantity amount item { id desc } } } } } }',
        /too expensive/,
      ],
      ['alias', 'subscription { orderCreated { a: id b: id c: id d: id } }', /Aliases limit/i],
      ['token', `subscription { orderCreated { ${'id '.repeat(3000)} } }`, /tokens/i],
    ])('applies the %s limit to subscription documents', async (_limit, document, message) => {
      const { client } = await connect({ token: jane });
      const refused = subscribe(client, document);
      await refused.completed;
      expect(refused.errors).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(message),
          extensions: {
            code: expect.stringMatching(/^GRAPHQL_(VALIDATION|PARSE)_FAILED$/),
            requestId: expect.any(String),
          },
        }),
      ]);
    });

    it('answers a subscription sent over HTTP with 400 BAD_REQUEST', async () => {
      const response = await graphql(app, ORDER_CREATED, { token: jane });
      expect(response.status).toBe(400);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    });

    it('serves only subscriptions over WebSocket', async () => {
      const { client } = await connect({ token: jane });
      const query = subscribe(client, '{ __typename }');
      await query.completed;
      expect(query.errors).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_REQUEST' }) }),
      ]);
    });

    it('refuses operations past the number allowed per connection (TOO_MANY_REQUESTS)', async () => {
      const { client } = await connect({ token: jane });
      subscribe(client, ORDER_CREATED);
      subscribe(client, ORDER_CREATED);
      const third = subscribe(client, ORDER_CREATED);
      await third.completed;
      expect(third.errors).toEqual([
        expect.objectContaining({
          extensions: expect.objectContaining({ code: 'TOO_MANY_REQUESTS' }),
        }),
      ]);
    });

    it('closes with 1009 on a message over 64 KiB', async () => {
      const opened = await rawSocket(app.url, { token: jane });
      if (!('socket' in opened)) throw new Error(`refused: ${opened.status}`);
      opened.socket.send(
        JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(65 * 1024) } }),
      );
      expect((await opened.closed).code).toBe(1009);
    });
  });

  it('logs each connection once on open and once on close, with its code and duration, and each operation as it ends', async () => {
    const { client, closed } = await connect({ token: jane });
    const listening = bus.registered() + 1;
    const orders = subscribe(client, `subscription Logged { orderCreated { id } }`);
    await bus.reach(listening);
    await createOrder(jane, JANE_ID);
    await orders.received(1);
    await client.dispose();
    await closed;
    const logged = () => app.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    // The server writes its close line once its own side of the socket has closed: after ours, maybe.
    await waitFor('the log line of the socket closing after its operation ended', () => {
      const ended = logged().find((line) => line.operationName === 'Logged');
      const socketId = String(ended?.requestId).split('/')[0];
      return logged().some(
        (line) => line.msg === 'WebSocket closed' && line.requestId === socketId,
      );
    });
    const lines = logged();
    const closes = lines.filter(
      (line) => line.msg === 'WebSocket closed' && line.userId === JANE.id,
    );
    expect(closes.at(-1)).toEqual(
      expect.objectContaining({
        code: 1000,
        durationMs: expect.any(Number),
        requestId: expect.any(String),
      }),
    );
    const requestId = closes.at(-1)!.requestId as string;
    expect(lines.filter((line) => line.requestId === requestId).map((line) => line.msg)).toEqual([
      'WebSocket opened',
      'WebSocket closed',
    ]);
    expect(lines.filter((line) => line.operationName === 'Logged')).toEqual([
      expect.objectContaining({
        msg: 'Subscription ended',
        requestId: expect.stringMatching(new RegExp(`^${requestId}/`)),
        userId: JANE.id,
        events: 1,
        durationMs: expect.any(Number),
      }),
    ]);
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toMatch(/^graphql_ws_connections_open \d+$/m);
    expect(metrics).toMatch(/^graphql_ws_events_delivered_total [1-9]\d*$/m);
  });

  it('closes sockets with 1001 when the server shuts down', async () => {
    const { closed } = await connect({ token: jane });
    const shutdown = app.close();
    expect((await closed).code).toBe(1001);
    await shutdown;
    app = undefined as never;
  });
});

describe('keep-alive on the subscription socket (WS_KEEP_ALIVE)', () => {
  const KEEP_ALIVE_MS = 500;
  let app: KitApp;
  let token: string | undefined;

  beforeAll(async () => {
    app = await startKitApp({ env: { WS_KEEP_ALIVE: `${KEEP_ALIVE_MS}ms` } });
    token = (await app.asUser(USERS.jane)).token;
  });
  afterAll(() => app.close());

  /** A signed-in socket (connection_ack received) and the time just before it was opened. */
  const acknowledged = async (autoPong = true) => {
    const openedAfter = Date.now();
    const opened = await rawSocket(app.url, { token, autoPong });
    if (!('socket' in opened)) throw new Error(`upgrade refused: ${opened.status}`);
    const ack = new Promise((resolve) => opened.socket.once('message', resolve));
    opened.socket.send(JSON.stringify({ type: 'connection_init' }));
    expect(JSON.parse(String(await ack))).toEqual({ type: 'connection_ack' });
    return { ...opened, openedAfter };
  };

  it('pings an idle socket every WS_KEEP_ALIVE, and the socket stays open while pings are answered', async () => {
    const { socket, openedAfter } = await acknowledged();
    const pings: number[] = [];
    socket.on('ping', () => pings.push(Date.now()));
    // The default (12 s) would send the first ping long after this deadline.
    await waitFor('three pings', () => pings.length >= 3, 10_000);
    // The n-th ping cannot come sooner than n intervals after the socket was opened.
    pings
      .slice(0, 3)
      .forEach((at, i) => expect(at - openedAfter).toBeGreaterThanOrEqual((i + 1) * KEEP_ALIVE_MS));
    expect(socket.readyState).toBe(socket.OPEN);
    socket.close();
  });

  it('answers a ping with a pong', async () => {
    const { socket } = await acknowledged();
    const pong = new Promise<Buffer>((resolve) => socket.once('pong', resolve));
    socket.ping('are-you-there');
    expect(String(await pong)).toBe('are-you-there');
    socket.close();
  });

  it('drops a peer that does not answer its ping before the next one', async () => {
    const { closed, openedAfter } = await acknowledged(false);
    let code: number | undefined;
    void closed.then((end) => (code = end.code));
    // The default (12 s) would drop it long after this deadline.
    await waitFor('the server to drop the socket', () => code !== undefined, 10_000);
    // Terminated, not closed: no close frame, hence 1006.
    expect(code).toBe(1006);
    expect(Date.now() - openedAfter).toBeGreaterThanOrEqual(2 * KEEP_ALIVE_MS);
  });
});
