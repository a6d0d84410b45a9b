/**
 * `npm run mock`: schema.graphql served with realistic mocks (@graphql-tools/mock, values in the
 * sample data's shapes), for building a frontend offline: no database, no sign-in (the viewer is
 * a sample user). Answers POST /graphql and /graph, and /auth/refresh and /auth/logout as the
 * real API does, so examples/web runs against it unchanged. Ctrl-C stops it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { addMocksToSchema, type IMocks } from '@graphql-tools/mock';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { graphql } from 'graphql';
import { parse as parseYaml } from 'yaml';

const USAGE = `Usage: npm run mock [-- --port <number>] [--host <address>]

Serves schema.graphql with mocked answers shaped like data/sample-data.yaml on
http://localhost:<port>/graphql (default port 4000); CORS allows any http://localhost:* page with
credentials. Stop it with Ctrl-C.`;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.MOCK_PORT ?? '4000' },
    host: { type: 'string', default: '127.0.0.1' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

interface Sample {
  users: {
    _id: string;
    full_name: string;
    username: string;
    primary_email: string;
    primary_locale: string;
  }[];
  items: {
    _id: string;
    desc: string;
    item_category: string;
    item_details: Record<string, unknown>;
    item_price: {
      amount: number;
      discount_schema: string;
      valid_from: Date | string;
      valid_to?: Date | string;
    }[];
  }[];
  orders: { _id: string; user_id: string; payer_id: string; order_date: Date | string }[];
}

const root = new URL('..', import.meta.url);
const sample = parseYaml(readFileSync(new URL('data/sample-data.yaml', root), 'utf8')) as Sample;
const typeDefs = readFileSync(new URL('schema.graphql', root), 'utf8');

let counter = 0;
const pick = <T,>(list: readonly T[]): T => list[counter++ % list.length];
/** A Relay global id, as the API gives them: base64("<Type>:<12-character id>"). */
const globalId = (type: string, id = randomBytes(9).toString('base64url').slice(0, 12)) =>
  Buffer.from(`${type}:${id}`).toString('base64');
const iso = (value: Date | string | undefined) =>
  value === undefined ? null : new Date(value).toISOString();

const viewer = sample.users[0];
const userFields = (user: Sample['users'][number]) => ({
  id: globalId('User', user._id),
  full_name: user.full_name,
  username: user.username,
  primary_email: user.primary_email,
  primary_locale: user.primary_locale,
});
const mocks: IMocks = {
  ID: () => globalId('Node'),
  DateTime: () => new Date(Date.UTC(2018, 0, 1) + (counter++ % 365) * 86_400_000).toISOString(),
  String: () => 'text',
  Int: () => 2,
  Float: () => 2.5,
  User: () => userFields(pick(sample.users)),
  Item: () => {
    const item = pick(sample.items);
    return {
      id: globalId('Item', item._id),
      desc: item.desc,
      item_category: item.item_category,
      item_details: JSON.stringify(item.item_details),
      item_price: item.item_price.map((price) => ({
        ...price,
        valid_from: iso(price.valid_from),
        valid_to: iso(price.valid_to),
      })),
    };
  },
  UserOrder: () => {
    const order = pick(sample.orders);
    return {
      id: globalId('UserOrder'),
      user_id: globalId('User', order.user_id),
      payer_id: globalId('User', order.payer_id),
      order_date: iso(order.order_date),
    };
  },
  OrderItem: () => {
    const item = pick(sample.items);
    return {
      id: globalId('OrderItem'),
      item_id: globalId('Item', item._id),
      desc: item.desc,
      item_category: item.item_category,
      quantity: 1 + (counter % 5),
      amount: item.item_price[0].amount,
      item_details: JSON.stringify(item.item_details),
    };
  },
  PageInfo: () => ({ hasNextPage: false, hasPreviousPage: false }),
  UserConnection: () => ({ edges: [{}, {}, {}], totalCount: 3 }),
  ItemConnection: () => ({ edges: [{}, {}], totalCount: 2 }),
  UserOrderConnection: () => ({ edges: [{}, {}, {}], totalCount: 3 }),
  OrderItemConnection: () => ({ edges: [{}, {}], totalCount: 2 }),
  CompletionObj: () => ({
    code: '0',
    msg: 'Order created',
    msg_id: '002',
    processed: 1,
    modified: 0,
  }),
};

const schema = addMocksToSchema({
  schema: makeExecutableSchema({ typeDefs }),
  mocks,
  resolvers: (store) => ({
    // No sign-in: the viewer is always the first sample user.
    Query: { viewer: () => store.get('User', globalId('User', viewer._id), userFields(viewer)) },
  }),
});

function cors(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  if (origin && /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(origin)) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader(
      'access-control-allow-headers',
      'content-type, apollo-require-preflight, x-apollo-operation-name',
    );
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader('vary', 'origin');
  }
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  let text = '';
  for await (const chunk of req) text += chunk;
  try {
    const body: unknown = JSON.parse(text || '{}');
    return body && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const error = (code: string, message: string) => ({
  errors: [{ message, extensions: { code, requestId: randomBytes(8).toString('hex') } }],
});

const server = createServer((req, res) => {
  cors(req, res);
  const path = new URL(req.url ?? '/', 'http://mock').pathname;
  if (req.method === 'OPTIONS') return send(res, 204);
  if (req.method !== 'POST') return send(res, 405, error('BAD_REQUEST', 'POST a JSON body'));
  if (path === '/auth/refresh')
    return send(res, 200, {
      user_id: viewer._id,
      expires_at: new Date(Date.now() + 15 * 60_000).toISOString(),
    });
  if (path === '/auth/logout') return send(res, 204);
  if (path !== '/graphql' && path !== '/graph')
    return send(res, 404, error('NOT_FOUND', `No mock at ${path}`));
  void readJson(req).then(async (body) => {
    if (!body) return send(res, 400, error('BAD_REQUEST', 'The body is not a JSON object'));
    // No manifest here: a client naming documents by hash sends the text after this answer.
    if (typeof body.query !== 'string')
      return send(res, 200, error('PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound'));
    const result = await graphql({
      schema,
      source: body.query,
      variableValues: body.variables as Record<string, unknown> | undefined,
      operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
    });
    send(res, 200, result);
  });
});

server.once('error', (failure: NodeJS.ErrnoException) => {
  console.error(
    failure.code === 'EADDRINUSE'
      ? `Port ${values.port} is in use by another program: stop it, or choose another with -- --port <number>`
      : failure.message,
  );
  process.exit(1);
});
server.listen(Number(values.port), values.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : values.port;
  console.log(
    `Mock API on http://localhost:${port}/graphql (schema.graphql, sample-data shapes, no sign-in). Ctrl-C stops it.`,
  );
});

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
