import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandStartedEvent, Document } from 'mongodb';
import { toGlobalId } from '../src/common/ids';
import {
  ADMIN,
  graphql,
  JANE,
  login,
  loginJson,
  makeTestKeys,
  seedSampleData,
  signupJson,
  tokenCookie,
} from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The sharding plan of docs/deployment.md, checked by replaying every operation
 * of the API and watching the commands it sends: a command on a sharded
 * collection is targeted (mongos sends it to the shards owning the key) when its
 * filter fixes the shard key's first field, scatter-gather otherwise.
 */
const SHARD_KEYS: Readonly<Record<string, string>> = { user_order: 'user_id' };

const JANE_ID = toGlobalId('User', JANE.id);
const ORDER_ID = toGlobalId('UserOrder', '1UtNnZBYUHDx');
const ITEM_ID = toGlobalId('Item', '1HEOx6FnC7cM');

interface Operation {
  readonly name: string;
  /** Runs it; throws if it did not succeed. */
  run(app: TestApp, tokens: { jane: string; admin: string }): Promise<void>;
}

const query =
  (text: string, as: 'jane' | 'admin' = 'jane', variables?: Record<string, unknown>) =>
  async (app: TestApp, tokens: { jane: string; admin: string }) => {
    const { body } = await graphql(app, text, { token: tokens[as], variables });
    if (body.errors) throw new Error(`${text}: ${JSON.stringify(body.errors)}`);
  };

const ORDERS_PAGE =
  'totalCount edges { node { id order_date user { username } payer { full_name } order_items(first: 20) { edges { node { id desc quantity } } } } }';

/** Every operation of docs/api.md and the auth endpoint, as a client sends it. */
/** Refresh tokens for the refresh operation, signed in before the recording starts. */
const refreshTokens: string[] = [];

const OPERATIONS: readonly Operation[] = [
  { name: 'viewer', run: query('{ viewer { id username full_name primary_email } }') },
  {
    name: 'viewer { orders }',
    run: query(
      `{ viewer { orders(first: 10, orderBy: [{ field: "order_date", direction: DESC }]) { ${ORDERS_PAGE} } } }`,
    ),
  },
  {
    name: 'listUserOrders',
    run: query(
      `query($user: ID!) { listUserOrders(user_id: $user, first: 10, orderBy: [{ field: "order_date", direction: DESC }]) { ${ORDERS_PAGE} } }`,
      'jane',
      { user: JANE_ID },
    ),
  },
  {
    name: 'listUserOrders (admin, by created_at)',
    run: query(
      `query($user: ID!) { listUserOrders(user_id: $user, first: 1, orderBy: [{ field: "created_at" }]) { edges { node { id } } } }`,
      'admin',
      { user: JANE_ID },
    ),
  },
  {
    name: 'getItem',
    run: query(`{ getItem(item_id: "${ITEM_ID}") { desc item_price { amount } } }`),
  },
  {
    name: 'getUser',
    run: query('{ getUser(item_query: "{\\"full_name\\": \\"John Public\\"}") { id username } }'),
  },
  {
    name: 'listUsers',
    run: query(
      '{ listUsers(first: 20, orderBy: [{ field: "full_name" }]) { totalCount edges { node { id full_name } } } }',
    ),
  },
  {
    name: 'listItems',
    run: query(
      '{ listItems(filterValues: { filterValuesString: "{\\"item_category\\": \\"Food\\"}" }) { edges { node { id desc } } } }',
    ),
  },
  { name: 'node (User)', run: query(`{ node(id: "${JANE_ID}") { id ... on User { username } } }`) },
  { name: 'node (Item)', run: query(`{ node(id: "${ITEM_ID}") { id ... on Item { desc } } }`) },
  {
    name: 'node (UserOrder)',
    run: query(`{ node(id: "${ORDER_ID}") { id ... on UserOrder { order_date } } }`),
  },
  {
    name: 'node (OrderItem)',
    run: async (app, tokens) => {
      const { body } = await graphql<{
        node: { order_items: { edges: { node: { id: string } }[] } };
      }>(
        app,
        `{ node(id: "${ORDER_ID}") { ... on UserOrder { order_items(first: 1) { edges { node { id } } } } } }`,
        { token: tokens.jane },
      );
      const line = body.data!.node.order_items.edges[0].node.id;
      await query(`{ node(id: "${line}") { id ... on OrderItem { quantity } } }`)(app, tokens);
    },
  },
  {
    name: 'nodes',
    run: query(`{ nodes(ids: ["${JANE_ID}", "${ITEM_ID}", "${ORDER_ID}"]) { id } }`),
  },
  {
    name: 'createOrder',
    run: query(
      `mutation { createOrder(input: { clientMutationId: "c1", order_data: { user_id: "${JANE_ID}", order_items: [{ item_id: "${ITEM_ID}", quantity: 2 }] } }) { order_id completionObj { code } } }`,
    ),
  },
  {
    name: 'createUser',
    run: query(
      'mutation { createUser(input: { user_data: { username: "shard.plan", primary_email: "shard.plan@example.com" } }) { completionObj { code } } }',
      'admin',
    ),
  },
  {
    name: 'POST /auth/signup',
    run: async (app) => {
      const response = await signupJson(app, {
        username: 'shard.signup',
        password: 'a-long-enough-password',
        primary_email: 'shard.signup@example.com',
      });
      if (response.status !== 201) throw new Error(`signup: ${response.status}`);
    },
  },
  {
    name: 'POST /auth/login',
    run: async (app) => {
      const response = await loginJson(app, JANE.username, JANE.password);
      if (response.status !== 200) throw new Error(`login: ${response.status}`);
    },
  },
  {
    name: 'POST /auth/refresh',
    run: async (app) => {
      // The refresh cookie of a sign-in made outside the recording (refreshes need no access token).
      const response = await app.request('/auth/refresh', {
        method: 'POST',
        headers: { cookie: `refresh=${refreshTokens.shift()}`, 'content-type': 'application/json' },
        body: '{}',
      });
      if (response.status !== 200) throw new Error(`refresh: ${response.status}`);
    },
  },
];

/** The filters a command selects documents with (inserts: the documents themselves). */
function filtersOf(command: Document, name: string): Document[] {
  switch (name) {
    case 'find':
      return [command.filter ?? {}];
    case 'count':
    case 'distinct':
    case 'findAndModify':
      return [command.query ?? {}];
    case 'aggregate': {
      const first = (command.pipeline as Document[])[0];
      return [first?.$match ?? {}];
    }
    case 'insert':
      return command.documents as Document[];
    case 'update':
      return (command.updates as Document[]).map((update) => update.q as Document);
    case 'delete':
      return (command.deletes as Document[]).map((deletion) => deletion.q as Document);
    default:
      return [{}];
  }
}

/** Whether a filter fixes the field: equality, `$eq`, or `$in` (targeted at the shards of those keys). */
function fixes(filter: Document, field: string): boolean {
  const value: unknown = filter[field];
  if (typeof value === 'string') return true;
  if (value && typeof value === 'object' && ('$eq' in value || '$in' in value)) return true;
  return (
    Array.isArray(filter.$and) && (filter.$and as Document[]).some((part) => fixes(part, field))
  );
}

/** e.g. `find targeted, aggregate targeted`, per sharded collection, or `none`. */
function routing(events: readonly CommandStartedEvent[]): string {
  const parts: string[] = [];
  for (const event of events) {
    const collection = event.command[event.commandName] as unknown;
    if (typeof collection !== 'string' || !(collection in SHARD_KEYS)) continue;
    const targeted = filtersOf(event.command, event.commandName).every((filter) =>
      fixes(filter, SHARD_KEYS[collection]),
    );
    const part = `${event.commandName} ${targeted ? 'targeted' : 'scatter-gather'}`;
    if (!parts.includes(part)) parts.push(part);
  }
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** The table in docs/deployment.md's "Sharding" section: operation → commands on user_order. */
function documentedTable(): Map<string, string> {
  const docs = readFileSync(resolve(__dirname, '..', 'docs', 'deployment.md'), 'utf8');
  const section = docs.split('<!-- sharding-table -->')[1] ?? '';
  // The first table after the marker, up to the first line that is not a table row.
  const table = section.trimStart().split('\n');
  const rows = new Map<string, string>();
  for (const line of table) {
    if (!line.startsWith('|')) break;
    const cells = /^\| `([^`]+)` +\| ([^|]+?) +\|/.exec(line);
    if (cells) rows.set(cells[1], cells[2]);
  }
  return rows;
}

describe('the sharding plan (docs/deployment.md), checked by replaying every operation', () => {
  let app: TestApp;
  const tokens = { jane: '', admin: '' };

  beforeAll(async () => {
    const keys = await makeTestKeys();
    app = await startTestApp({ env: keys.env });
    await seedSampleData(app);
    [tokens.jane, tokens.admin] = await Promise.all([login(app, JANE), login(app, ADMIN)]);
    const signIn = await loginJson(app, JANE.username, JANE.password);
    refreshTokens.push(tokenCookie(signIn, 'refresh')!.value);
  });
  afterAll(() => app.close());

  it('targets the lists a user calls most at one shard, and the plan in the docs matches what every operation sends', async () => {
    const measured = new Map<string, string>();
    const unlimitedReads: string[] = [];
    const client = app.connection.getClient();
    for (const operation of OPERATIONS) {
      const events: CommandStartedEvent[] = [];
      const listener = (event: CommandStartedEvent) => events.push(event);
      client.on('commandStarted', listener);
      try {
        await operation.run(app, tokens);
      } finally {
        client.off('commandStarted', listener);
      }
      measured.set(operation.name, routing(events));
      for (const event of events) {
        const reads = ['find', 'aggregate', 'count', 'distinct', 'findAndModify'];
        // rate_limits is rate-limiter-flexible's: one counter by its unique key, its own commands.
        if (
          reads.includes(event.commandName) &&
          event.command[event.commandName] !== 'rate_limits' &&
          event.command.maxTimeMS !== app.config.database.operationTimeoutMs
        )
          unlimitedReads.push(
            `${operation.name}: ${event.commandName} ${String(event.command[event.commandName])}`,
          );
      }
    }
    const width = Math.max(...OPERATIONS.map((operation) => operation.name.length)) + 2;
    console.log(
      `Commands on user_order (shard key { user_id: 1, _id: 1 }), per operation:\n${[...measured]
        .map(([name, route]) => `  ${`\`${name}\``.padEnd(width)}  ${route}`)
        .join('\n')}`,
    );

    for (const name of ['viewer { orders }', 'listUserOrders', 'createOrder'])
      expect(measured.get(name)).not.toMatch(/scatter-gather|^none$/);
    expect(Object.fromEntries(documentedTable())).toEqual(Object.fromEntries(measured));
    // And every read of every operation carries the database-side time limit (DB_TIMEOUT).
    expect(unlimitedReads).toEqual([]);
  }, 60_000);
});
