import { ItemsRepository } from '../src/items/items.repository';
import { OrdersRepository } from '../src/orders/orders.repository';
import { toGlobalId } from '../src/common/ids';
import {
  ADMIN,
  graphql,
  JANE,
  JOHN,
  login,
  makeTestKeys,
  seedSampleData,
  type GraphQLResponse,
} from './support/auth-helpers';
import { countCommands } from './support/command-counter';
import { startTestApp, type TestApp } from './support/test-app';

const gid = toGlobalId;
const JANE_ID = gid('User', JANE.id);
const JOHN_ID = gid('User', JOHN.id);
const FOOD = gid('Item', '1HEOx6FnC7cM');
const CONSUMER = gid('Item', '1GVl21lq0S8p');
const FIRST_ORDER = gid('UserOrder', '1UtNnZBYUHDx');

/** The legacy demo's listUserOrders operation, as existing clients send it. */
const LEGACY_LIST_USER_ORDERS = `
  query ($user_id: ID!) {
    listUserOrders(user_id: $user_id, orderBy: [{field: "order_date", direction: ASC}]) {
      edges { node { id user_id payer_id order_date
        order_items { edges { node { id item_id desc item_category quantity amount item_details } } }
      } }
    }
  }`;

function codeOf(response: GraphQLResponse): unknown {
  return response.body.errors?.[0]?.extensions?.code;
}

describe('the GraphQL API on the sample data', () => {
  let app: TestApp;
  let jane: string;
  let john: string;
  let admin: string;
  const q = <T = Record<string, any>>(
    token: string,
    query: string,
    variables?: Record<string, unknown>,
  ) => graphql<T>(app, query, { token, variables });

  beforeAll(async () => {
    const keys = await makeTestKeys();
    app = await startTestApp({ env: { ...keys.env, LOGIN_RATE_LIMIT_PER_ADDRESS: '1000' } });
    await seedSampleData(app);
    [jane, john, admin] = await Promise.all([
      login(app, JANE),
      login(app, JOHN),
      login(app, ADMIN),
    ]);
  });
  afterAll(() => app.close());

  describe('queries', () => {
    it('listUserOrders answers the legacy operation with the sample orders, lines joined with items', async () => {
      const { status, body } = await q(jane, LEGACY_LIST_USER_ORDERS, { user_id: JANE_ID });
      expect(status).toBe(200);
      const orders = body.data!.listUserOrders.edges.map((e: any) => e.node);
      expect(orders.map((o: { id: string }) => o.id)).toEqual([
        FIRST_ORDER,
        gid('UserOrder', '1UvQ2pL8kD3s'),
      ]);
      expect(orders[0]).toMatchObject({
        user_id: JANE_ID,
        payer_id: JANE_ID,
        order_date: '2018-01-01T08:00:00.000Z',
      });
      const lines = orders[0].order_items.edges.map((e: { node: unknown }) => e.node);
      expect(lines).toHaveLength(2);
      const food = lines.find((l: { item_id: string }) => l.item_id === FOOD);
      expect(food).toMatchObject({
        desc: 'Sample Food Item',
        item_category: 'Food',
        quantity: 5,
        amount: 10.13,
      });
      // The item's details shallow-merged with the line's overrides.
      expect(JSON.parse(food.item_details)).toEqual({
        shelf_life_mo: 3,
        weight_lb: 0.41,
        packaging: 'frozen-pack',
        special_handling: { before_shipping: 'freeze', in_transit: 'refrigerate' },
      });
      expect(new Set(lines.map((l: { id: string }) => l.id)).size).toBe(2);
    });

    it('resolves user, payer and item of an order', async () => {
      const { body } = await q(
        jane,
        `{ node(id: "${FIRST_ORDER}") { ... on UserOrder { user { username } payer { full_name } order_items(first: 1, orderBy: [{field: "desc"}]) { edges { node { item { desc item_category } } } } } } }`,
      );
      expect(body.data!.node).toEqual({
        user: { username: 'jane01' },
        payer: { full_name: 'Jane Doe' },
        order_items: {
          edges: [{ node: { item: { desc: 'Sample Consumer Item', item_category: 'Consumer' } } }],
        },
      });
    });

    it('getItem returns the item with all prices and its details as JSON text, null when unknown', async () => {
      const { body } = await q(
        jane,
        `{ getItem(item_id: "${CONSUMER}") { id desc item_category item_details item_price { amount discount_schema valid_from valid_to } } }`,
      );
      expect(body.data!.getItem).toEqual({
        id: CONSUMER,
        desc: 'Sample Consumer Item',
        item_category: 'Consumer',
        item_details: JSON.stringify({ weight_lb: 1.3, color: 'green' }),
        item_price: [
          {
            amount: 10,
            discount_schema: 'Volume',
            valid_from: '2018-02-01T00:00:00.000Z',
            valid_to: null,
          },
          {
            amount: 8.99,
            discount_schema: 'Prepayment',
            valid_from: '2018-02-01T00:00:00.000Z',
            valid_to: '2019-01-01T00:00:00.000Z',
          },
        ],
      });
      expect(
        (await q(jane, `{ getItem(item_id: "${gid('Item', 'NoSuchItem00')}") { id } }`)).body.data,
      ).toEqual({ getItem: null });
    });

    it('getUser finds the first match of a JSON filter, null when none, BAD_USER_INPUT for malformed JSON', async () => {
      expect(
        (
          await q(
            jane,
            `{ getUser(item_query: "{\\"full_name\\": \\"John Public\\"}") { id username } }`,
          )
        ).body.data,
      ).toEqual({ getUser: { id: JOHN_ID, username: 'john01' } });
      expect(
        (await q(jane, `{ getUser(item_query: "{\\"full_name\\": \\"Nobody\\"}") { id } }`)).body
          .data,
      ).toEqual({ getUser: null });
      const malformed = await q(jane, `{ getUser(item_query: "{full_name: John") { id } }`);
      expect(codeOf(malformed)).toBe('BAD_USER_INPUT');
      expect(malformed.body.errors![0].message).toBe('Failed converting filter into JSON');
    });

    it('listUsers and listItems page the sample data', async () => {
      const users = await q(
        jane,
        '{ listUsers(orderBy: [{field: "username", direction: DESC}]) { totalCount edges { node { username } } } }',
      );
      expect(users.body.data!.listUsers).toEqual({
        totalCount: 3,
        edges: [
          { node: { username: 'john01' } },
          { node: { username: 'jane01' } },
          { node: { username: 'admin01' } },
        ],
      });
      const items = await q(
        jane,
        '{ listItems(orderBy: [{field: "item_category"}]) { edges { node { item_category } } } }',
      );
      expect(
        items.body.data!.listItems.edges.map(
          (e: { node: { item_category: string } }) => e.node.item_category,
        ),
      ).toEqual(['Consumer', 'Food']);
    });

    it('node and nodes refetch users, items, orders and order lines by global id', async () => {
      const line = (
        await q(
          jane,
          `{ node(id: "${FIRST_ORDER}") { ... on UserOrder { order_items(first: 1) { edges { node { id } } } } } }`,
        )
      ).body.data!.node.order_items.edges[0].node.id;
      const { body } = await q(
        jane,
        `{ nodes(ids: ["${JANE_ID}", "${FOOD}", "${FIRST_ORDER}", "${line}", "${gid('User', 'NoSuchUser00')}"]) { __typename id } }`,
      );
      expect(body.data!.nodes).toEqual([
        { __typename: 'User', id: JANE_ID },
        { __typename: 'Item', id: FOOD },
        { __typename: 'UserOrder', id: FIRST_ORDER },
        { __typename: 'OrderItem', id: line },
        null,
      ]);
    });

    it('User.orders lists the orders of that user', async () => {
      const { body } = await q(
        jane,
        '{ viewer { orders(first: 1, orderBy: [{field: "order_date", direction: DESC}]) { edges { node { order_date } } pageInfo { hasNextPage } } } }',
      );
      expect(body.data!.viewer.orders).toEqual({
        edges: [{ node: { order_date: '2018-02-01T08:00:00.000Z' } }],
        pageInfo: { hasNextPage: true },
      });
    });

    it('still lists a line whose item no longer exists, with desc and item_category null', async () => {
      const items = app.app.get(ItemsRepository);
      await items.upsert({
        _id: 'TempItem0001',
        desc: 'Temporary',
        item_category: 'Gone',
        item_details: { a: 1 },
        item_price: [{ amount: 1 }],
      });
      const created = await q(
        jane,
        `mutation { createOrder(input: {order_data: {user_id: "${JANE_ID}", order_items: [{item_id: "${gid('Item', 'TempItem0001')}", quantity: 1, amount: 1, item_details: "{\\"b\\": 2}"}]}}) { order_id } }`,
      );
      await items.deleteById('TempItem0001');
      const { body } = await q(
        jane,
        `{ node(id: "${created.body.data!.createOrder.order_id}") { ... on UserOrder { order_items { edges { node { desc item_category quantity item_details item { id } } } } } } }`,
      );
      expect(body.data!.node.order_items.edges).toEqual([
        {
          node: {
            desc: null,
            item_category: null,
            quantity: 1,
            item_details: '{"b":2}',
            item: null,
          },
        },
      ]);
    });
  });

  describe('global ids', () => {
    it('an Item id given as user_id is BAD_USER_INPUT', async () => {
      const response = await q(jane, `{ listUserOrders(user_id: "${FOOD}") { totalCount } }`);
      expect(codeOf(response)).toBe('BAD_USER_INPUT');
      expect(response.body.errors![0].message).toMatch(/must be a User id/);
    });

    it('invalid base64 is BAD_USER_INPUT', async () => {
      expect(codeOf(await q(jane, '{ getItem(item_id: "%%%not-base64") { id } }'))).toBe(
        'BAD_USER_INPUT',
      );
    });

    it('an unknown user is NOT_FOUND for listUserOrders (for an admin), null for node', async () => {
      const unknown = gid('User', 'NoSuchUser00');
      const response = await q(admin, `{ listUserOrders(user_id: "${unknown}") { totalCount } }`);
      expect(codeOf(response)).toBe('NOT_FOUND');
      expect(response.body.errors![0].message).toBe('User not found');
      expect((await q(jane, `{ node(id: "${unknown}") { id } }`)).body.data).toEqual({
        node: null,
      });
    });
  });

  describe('authorization', () => {
    it("Jane cannot list John's orders, fetch them by node, or see them through User.orders", async () => {
      expect(
        codeOf(await q(jane, `{ listUserOrders(user_id: "${JOHN_ID}") { totalCount } }`)),
      ).toBe('FORBIDDEN');
      const johnsOrder = await q(
        john,
        `mutation { createOrder(input: {order_data: {user_id: "${JOHN_ID}", order_items: [{item_id: "${FOOD}", quantity: 1}]}}) { order_id } }`,
      );
      const orderId = johnsOrder.body.data!.createOrder.order_id;
      expect(codeOf(await q(jane, `{ node(id: "${orderId}") { id } }`))).toBe('FORBIDDEN');
      expect(codeOf(await q(jane, `{ nodes(ids: ["${orderId}"]) { id } }`))).toBe('FORBIDDEN');
      expect(
        codeOf(
          await q(
            jane,
            `{ getUser(item_query: "{\\"username\\": \\"john01\\"}") { orders { totalCount } } }`,
          ),
        ),
      ).toBe('FORBIDDEN');
      // An admin can.
      expect((await q(admin, `{ node(id: "${orderId}") { id } }`)).body.data).toEqual({
        node: { id: orderId },
      });
      expect(
        (await q(admin, `{ listUserOrders(user_id: "${JOHN_ID}") { totalCount } }`)).body.data!
          .listUserOrders.totalCount,
      ).toBeGreaterThan(0);
    });

    it('Jane cannot create an order for John; an admin can', async () => {
      const mutation = `mutation { createOrder(input: {order_data: {user_id: "${JOHN_ID}", order_items: [{item_id: "${FOOD}", quantity: 1}]}}) { completionObj { code } } }`;
      expect(codeOf(await q(jane, mutation))).toBe('FORBIDDEN');
      expect((await q(admin, mutation)).body.data!.createOrder.completionObj.code).toBe('0');
    });

    it('primary_email is null for other users, visible to an admin', async () => {
      const query = `{ nodes(ids: ["${JANE_ID}", "${JOHN_ID}"]) { ... on User { primary_email } } }`;
      expect((await q(jane, query)).body.data!.nodes).toEqual([
        { primary_email: 'jd@example.com' },
        { primary_email: null },
      ]);
      expect((await q(admin, query)).body.data!.nodes).toEqual([
        { primary_email: 'jd@example.com' },
        { primary_email: 'jp@example.com' },
      ]);
    });

    it('createUser is for admins only', async () => {
      expect(
        codeOf(
          await q(
            jane,
            'mutation { createUser(input: {user_data: {username: "sneaky", primary_email: "s@example.com"}}) { user_id } }',
          ),
        ),
      ).toBe('FORBIDDEN');
    });
  });

  describe('mutations', () => {
    const createUser = (data: string, token = admin) =>
      q(
        token,
        `mutation { createUser(input: {clientMutationId: "cm-1", user_data: {${data}}}) { user_id clientMutationId completionObj { code msg msg_id processed modified } } }`,
      );
    const createOrder = (data: string, token = jane) =>
      q(
        token,
        `mutation { createOrder(input: {clientMutationId: "co-1", order_data: {${data}}}) { order_id clientMutationId completionObj { code msg msg_id processed modified } } }`,
      );

    it('createUser: 001 User created, clientMutationId echoed', async () => {
      const { body } = await createUser(
        'username: "created.one", primary_email: "created.one@example.com", full_name: "Created One"',
      );
      expect(body.data!.createUser).toEqual({
        user_id: expect.any(String),
        clientMutationId: 'cm-1',
        completionObj: { code: '0', msg: 'User created', msg_id: '001', processed: 1, modified: 0 },
      });
    });

    it.each([
      ['DU01', 'username: "jane01", primary_email: "fresh@example.com"', 'Username already exist'],
      [
        'DU02',
        'username: "fresh.name", primary_email: "jd@example.com"',
        'Primary email found in another existing profile',
      ],
      [
        'DU03',
        'username: "bad.email", primary_email: "not an email"',
        'primary_email must be a valid email address',
      ],
    ])('createUser: %s', async (msgId, data, msg) => {
      const { body } = await createUser(data);
      expect(body.data!.createUser).toMatchObject({
        user_id: null,
        clientMutationId: 'cm-1',
        // The original demo's counts for a failure.
        completionObj: { code: '1', msg_id: msgId, msg, processed: 0, modified: 0 },
      });
    });

    it('createUser: a race between two creates of one username gives 001 and DU01, never a raw error', async () => {
      const [a, b] = await Promise.all([
        createUser('username: "racer", primary_email: "racer1@example.com"'),
        createUser('username: "racer", primary_email: "racer2@example.com"'),
      ]);
      const ids = [a, b].map((r) => r.body.data!.createUser.completionObj.msg_id).sort();
      expect(ids).toEqual(['001', 'DU01']);
    });

    it('createOrder: 002 Order created, payer defaulting to the buyer, amount from the item price', async () => {
      const { body } = await createOrder(
        `user_id: "${JANE_ID}", order_date: "2020-05-01T10:00:00.000Z", order_items: [{item_id: "${CONSUMER}", quantity: 3}]`,
      );
      expect(body.data!.createOrder).toMatchObject({
        clientMutationId: 'co-1',
        completionObj: {
          code: '0',
          msg: 'Order created',
          msg_id: '002',
          processed: 1,
          modified: 0,
        },
      });
      const order = await q(
        jane,
        `{ node(id: "${body.data!.createOrder.order_id}") { ... on UserOrder { payer_id order_date order_items { edges { node { amount quantity } } } } } }`,
      );
      expect(order.body.data!.node).toEqual({
        payer_id: JANE_ID,
        order_date: '2020-05-01T10:00:00.000Z',
        order_items: { edges: [{ node: { amount: 30, quantity: 3 } }] },
      });
    });

    it.each([
      [
        'DO01',
        `order_items: [{item_id: "${FOOD}", quantity: 1, item_details: "{not json"}]`,
        /^Item details parse failed for item .+: /,
      ],
      [
        'DO01',
        `order_items: [{item_id: "${FOOD}", quantity: 1, item_details: "[1,2]"}]`,
        /^Item details parse failed for item .+: not a JSON object/,
      ],
      [
        'DO02',
        `payer_id: "${gid('User', 'NoSuchUser00')}", order_items: [{item_id: "${FOOD}", quantity: 1}]`,
        /^Payer NoSuchUser00 not found$/,
      ],
      [
        'DO03',
        `order_items: [{item_id: "${gid('Item', 'NoSuchItem00')}", quantity: 1}]`,
        /^Item NoSuchItem00 not found$/,
      ],
      [
        'DO04',
        `order_items: [{item_id: "${FOOD}", quantity: 0}]`,
        /Quantity of item .+ must be greater than 0/,
      ],
      [
        'DO04',
        `order_items: [{item_id: "${FOOD}", quantity: 1, amount: -1}]`,
        /Amount of item .+ must not be negative/,
      ],
      ['DO04', 'order_items: []', /at least one line/],
    ])('createOrder: %s (%#)', async (msgId, data, msg) => {
      const { body } = await createOrder(`user_id: "${JANE_ID}", ${data}`);
      expect(body.data!.createOrder).toMatchObject({
        order_id: null,
        clientMutationId: 'co-1',
        completionObj: {
          code: '1',
          msg_id: msgId,
          msg: expect.stringMatching(msg),
          processed: 0,
          modified: 0,
        },
      });
    });

    it('createOrder: DO02 for an unknown buyer (admin)', async () => {
      const { body } = await createOrder(
        `user_id: "${gid('User', 'NoSuchUser00')}", order_items: [{item_id: "${FOOD}", quantity: 1}]`,
        admin,
      );
      expect(body.data!.createOrder.completionObj).toMatchObject({
        code: '1',
        msg_id: 'DO02',
        msg: 'User NoSuchUser00 not found',
      });
    });

    it('runs several mutations of one request in order, each with its own completionObj', async () => {
      const { body } = await q(
        admin,
        `mutation {
          a: createUser(input: {user_data: {username: "seq.user", primary_email: "seq@example.com"}}) { completionObj { msg_id } }
          b: createUser(input: {user_data: {username: "seq.user", primary_email: "seq2@example.com"}}) { completionObj { msg_id } }
          c: createOrder(input: {order_data: {user_id: "${JANE_ID}", order_items: []}}) { completionObj { msg_id } }
        }`,
      );
      expect(body.data).toEqual({
        a: { completionObj: { msg_id: '001' } },
        b: { completionObj: { msg_id: 'DU01' } },
        c: { completionObj: { msg_id: 'DO04' } },
      });
    });
  });

  describe('filters', () => {
    const listUsers = (filter: unknown) =>
      q(
        jane,
        'query ($f: String) { listUsers(filterValues: {filterValuesString: $f}) { edges { node { username } } } }',
        { f: typeof filter === 'string' ? filter : JSON.stringify(filter) },
      );
    const usernames = (response: GraphQLResponse) =>
      (response.body.data as any).listUsers.edges
        .map((e: { node: { username: string } }) => e.node.username)
        .sort();

    it.each([
      [{ username: 'jane01' }, ['jane01']],
      [{ username: { $in: ['jane01', 'john01'] } }, ['jane01', 'john01']],
      [{ username: { $gt: 'jane01' }, full_name: { $ne: 'Ada Admin' } }, ['john01']],
      [{ username: { $gte: 'jane01', $lte: 'john01' } }, ['jane01', 'john01']],
      [{ username: { $lt: 'jane01' } }, ['admin01']],
    ])('%j', async (filter, expected) => {
      const response = await listUsers({ ...filter, primary_locale: 'en' });
      expect(
        usernames(response).filter((u: string) => ['admin01', 'jane01', 'john01'].includes(u)),
      ).toEqual(expected);
    });

    it('filters orders by a line item, as in the demo', async () => {
      const { body } = await q(
        jane,
        `{ listUserOrders(user_id: "${JANE_ID}", filterValues: {filterValuesString: "{\\"order_items.item_id\\": \\"1HEOx6FnC7cM\\"}"}, orderBy: [{field: "order_date"}], first: 2) { edges { node { id } } } }`,
      );
      expect(
        body.data!.listUserOrders.edges.map((e: { node: { id: string } }) => e.node.id),
      ).toEqual([FIRST_ORDER, gid('UserOrder', '1UvQ2pL8kD3s')]);
    });

    it.each([
      ['$where', { $where: 'sleep(1000)' }],
      ['$regex', { username: { $regex: '.*' } }],
      ['$expr', { $expr: { $eq: ['$username', 'jane01'] } }],
      ['a nested operator object', { username: { $ne: { $gt: '' } } }],
      ['an unknown field', { password_hash: 'x' }],
      ['an email lookup by a non-admin', { primary_email: 'jd@example.com' }],
      ['an array where a scalar belongs', { username: ['jane01'] }],
      ['$in with an object', { username: { $in: [{ $gt: '' }] } }],
      ['a JSON array', [1, 2]],
      ['malformed JSON', '{"username": '],
      [
        'deeply nested JSON',
        JSON.stringify({ username: JSON.parse('['.repeat(50) + ']'.repeat(50)) }),
      ],
    ])('rejects %s with BAD_USER_INPUT before the database sees it', async (_name, filter) => {
      const { result, commands } = await countCommands(app.connection, () => listUsers(filter));
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      expect(result.body.data).toEqual({ listUsers: null });
      expect(commands).toEqual([]);
    });
  });

  describe('batching', () => {
    const IN_2019 = JSON.stringify(
      JSON.stringify({ order_date: { $gte: '2019-01-01T00:00:00Z', $lt: '2020-01-01T00:00:00Z' } }),
    );
    const ORDERS_PAGE = (userId: string, first: number) => `{
      listUserOrders(user_id: "${userId}", first: ${first}, filterValues: {filterValuesString: ${IN_2019}}) {
        edges { node { id user { username } payer { username }
          order_items(first: 10) { edges { node { desc item { desc item_category } } } } } }
      }
    }`;

    it('costs the same number of database commands for 2 orders and for 50', async () => {
      // John bought 50 orders in 2019, paid by Jane, each with lines of both items.
      const orders = app.app.get(OrdersRepository);
      const many = Array.from({ length: 50 }, (_, i) => ({
        _id: `BatchOrder${String(i).padStart(2, '0')}`,
        user_id: JOHN.id,
        payer_id: JANE.id,
        order_date: new Date(Date.UTC(2019, 0, i + 1)),
        order_items: [
          { item_id: '1HEOx6FnC7cM', quantity: 1, amount: 2, item_details: {} },
          { item_id: '1GVl21lq0S8p', quantity: 2, amount: 20, item_details: {} },
        ],
      }));
      await orders.insertMany(many);

      const few = await countCommands(app.connection, () => q(admin, ORDERS_PAGE(JOHN_ID, 2)));
      const lots = await countCommands(app.connection, () => q(admin, ORDERS_PAGE(JOHN_ID, 50)));
      expect(few.result.body.data!.listUserOrders.edges).toHaveLength(2);
      expect(lots.result.body.data!.listUserOrders.edges).toHaveLength(50);
      expect(lots.commands.length).toBe(few.commands.length);
      expect(lots.commands.length).toBeLessThanOrEqual(5);
    });
  });
});
