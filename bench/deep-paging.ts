/**
 * `npm run bench:paging`: keyset paging and batching on a large data set.
 * Generates users and orders (default 50,000 and 100,000) into a throwaway
 * embedded database, then reports the latency of `listUsers(first: 20)` at
 * the start and N positions deep (walked to by cursors once), and the
 * database commands of one `listUserOrders(first: 20)` page with lines,
 * items and payer selected. A program that reports numbers, not a test.
 */
import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/app-config';
import { DatabaseSupervisor } from '../src/database/database-supervisor';
import { BulkDataGenerator } from '../src/seed/bulk-generator';
import { generatePemKeyPair } from '../src/auth/keys/key-material';
import { TokenIssuer } from '../src/auth/token/token-issuer';
import { encodeCursor, resolveSort } from '../src/common/pagination/keyset';
import { OrdersRepository } from '../src/orders/orders.repository';
import { UsersRepository } from '../src/users/users.repository';
import { USER_SORTABLE } from '../src/users/users.service';
import { hasFlag, numberFlag } from './support/cli';

const USERS = numberFlag('users', 50_000);
const ORDERS = numberFlag('orders', 100_000);
const DEPTH = numberFlag('depth', 40_000);
const SAMPLES = numberFlag('samples', 5);

async function main(): Promise<void> {
  const pair = generatePemKeyPair('ES256');
  const config = loadConfig(
    {
      NODE_ENV: 'production',
      // A throwaway embedded database of its own (createApp's throwawayDatabase).
      EMBEDDED_DATABASE_IN_PRODUCTION: 'true',
      CORS_ORIGINS: 'https://app.example.com',
      LOG_LEVEL: 'warn',
      PORT: '0',
      HOST: '127.0.0.1',
      JWT_PRIV_KEY_B64: Buffer.from(pair.privateKey).toString('base64'),
      MAX_PAGE_SIZE: '100',
      GRAPHQL_RATE_LIMIT_PER_MINUTE: '10000000',
    },
    { dotenv: false },
  );
  const app: NestFastifyApplication = await createApp(config, { throwawayDatabase: true });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    await app.get(DatabaseSupervisor).whenConnected();
    const connection = app.get<Connection>(getConnectionToken());
    const started = Date.now();
    let last = 0;
    const generated = await app.get(BulkDataGenerator).generate({
      users: USERS,
      orders: ORDERS,
      seed: 42,
      onProgress: (done, total) => {
        if (Date.now() - last > 2000 || done === total) {
          last = Date.now();
          process.stderr.write(`\rgenerating ${done}/${total}`);
        }
      },
    });
    process.stderr.write('\n');
    console.log(
      `Generated ${generated.users} users, ${generated.items} items, ${generated.orders} orders in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    // A token for an admin viewer, signed with the app's own key (no password needed).
    const issued = await app.get(TokenIssuer).issue({
      userId: 'BenchAdmin01',
      locale: 'en',
      roles: ['user', 'admin'],
      authTime: Math.floor(Date.now() / 1000),
      sid: 'deep-paging-bench',
    });
    const cookie = `${config.auth.cookie.name}=${issued.token}`;
    const post = async (query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: any; errors?: unknown[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };
    const PAGE =
      'query ($after: String, $first: Int) { listUsers(first: $first, after: $after, orderBy: [{field: "full_name"}]) { edges { node { id full_name } } pageInfo { endCursor hasNextPage } } }';

    // The cursor DEPTH positions deep. With --walk, reached by paging through
    // the API 100 at a time; otherwise made from the user at that position
    // (a cursor is just that user's sort values, so it is the same cursor):
    // FerretDB's SQLite backend sorts every page in memory (no sort or limit
    // pushdown, see docs/operations.md), which makes a 400-page walk take
    // half an hour there.
    let cursor: string | null = null;
    if (hasFlag('walk')) {
      for (let walked = 0; walked < DEPTH; walked += 100) {
        const data = await post(PAGE, { first: Math.min(100, DEPTH - walked), after: cursor });
        cursor = data.listUsers.pageInfo.endCursor;
      }
    } else {
      const users = await connection
        .collection('user')
        .find({}, { projection: { full_name: 1 } })
        .toArray();
      users.sort((a, b) =>
        a.full_name < b.full_name
          ? -1
          : a.full_name > b.full_name
            ? 1
            : String(a._id) < String(b._id)
              ? -1
              : 1,
      );
      const keys = resolveSort([{ field: 'full_name' }], USER_SORTABLE);
      cursor = encodeCursor(keys, users[DEPTH - 1]);
      const check = await post(PAGE, { first: 1, after: cursor });
      if (check.listUsers.edges[0]?.node.full_name !== users[DEPTH].full_name)
        throw new Error('the computed cursor does not land where expected');
    }
    const time = async (after: string | null) => {
      const times: number[] = [];
      for (let i = 0; i < SAMPLES; i += 1) {
        const t0 = process.hrtime.bigint();
        await post(PAGE, { first: 20, after });
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      times.sort((a, b) => a - b);
      return {
        p50: times[Math.floor(times.length / 2)],
        p90: times[Math.floor(times.length * 0.9)],
      };
    };
    await time(null); // warm-up
    const first = await time(null);
    const deep = await time(cursor);
    console.log(`\nlistUsers(first: 20, orderBy full_name), ${SAMPLES} samples each:`);
    console.log(
      `  first page:            p50 ${first.p50.toFixed(1)} ms, p90 ${first.p90.toFixed(1)} ms`,
    );
    console.log(
      `  ${DEPTH} positions deep:  p50 ${deep.p50.toFixed(1)} ms, p90 ${deep.p90.toFixed(1)} ms  (deep/first p50 = ${(deep.p50 / first.p50).toFixed(2)})`,
    );

    // Database commands of one page of orders with lines, items and payer.
    // A buyer with 60 orders (each with lines of three items, another payer) among the generated ones.
    const buyer = 'BenchBuyer01';
    await app.get(UsersRepository).upsert({
      _id: buyer,
      username: 'bench.buyer',
      primary_email: 'bench.buyer@example.com',
      full_name: 'Bench Buyer',
    });
    const someItems = (await connection.collection('item').find({}).limit(3).toArray()).map(
      (item) => String(item._id),
    );
    const someone = String(
      (await connection.collection('user').findOne({ _id: { $ne: buyer } as never }))?._id,
    );
    await app.get(OrdersRepository).insertMany(
      Array.from({ length: 60 }, (_, i) => ({
        _id: `BenchOrder${String(i).padStart(2, '0')}`,
        user_id: buyer,
        payer_id: someone,
        order_date: new Date(Date.UTC(2020, 0, i + 1)),
        order_items: someItems.map((item_id, j) => ({
          item_id,
          quantity: j + 1,
          amount: 10 * (j + 1),
          item_details: {},
        })),
      })),
    );
    const busiest = [{ n: 60 }];
    const client = connection.getClient();
    const ORDERS_QUERY = (
      first: number,
    ) => `{ listUserOrders(user_id: "${Buffer.from(`User:${buyer}`).toString('base64')}", first: ${first}) {
      edges { node { id payer { username } order_items(first: 10) { edges { node { desc item { desc item_category } } } } } } } }`;
    for (const first of [5, 20, 50]) {
      const commands: string[] = [];
      const listener = (event: { commandName: string }) => commands.push(event.commandName);
      client.on('commandStarted', listener);
      const data = await post(ORDERS_QUERY(first));
      client.off('commandStarted', listener);
      console.log(
        `listUserOrders(first: ${first}) of a buyer with ${busiest[0].n} orders: ${data.listUserOrders.edges.length} orders, ${commands.length} database commands (${commands.join(', ')})`,
      );
    }
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
