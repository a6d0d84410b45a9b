/**
 * `npm run test:fuzz`: every query, mutation and subscription of
 * schema.graphql (subscriptions over graphql-ws, the others over HTTP), called
 * with valid arguments and with broken ones (wrong scalar types, missing and
 * unknown fields, huge, negative and fractional numbers, long and
 * control-character strings, malformed ids, cursors and JSON filters, nulls
 * in lists), against the built service in production mode. Every answer must
 * be below 500, every error must carry a code of docs/api.md's catalogue and
 * a request id and show no internals, a refused mutation must have written
 * nothing, and the server must be healthy afterwards. Bounded in time
 * (FUZZ_SECONDS, default 60) with a fixed seed it prints (FUZZ_SEED).
 */
import fc from 'fast-check';
import {
  buildSchema,
  getNamedType,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLInterfaceType,
  GraphQLObjectType,
  isListType,
  isNonNullType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
} from 'graphql';
import mongoose from 'mongoose';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { toGlobalId } from '../../src/common/ids';
import { ADMIN, JANE, makeTestKeys, tokenCookie } from '../support/auth-helpers';
import { startOwnDatabase, type OwnDatabase } from '../support/own-database';
import { buildDistBeforeAll } from '../support/dist-build';
import { startSeededProductionService, type ServiceProcess } from '../support/service-process';
import { subscribe, wsClient } from '../support/ws-client';
import type { Client } from 'graphql-ws';

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const TIME_LIMIT_MS = Number(process.env.FUZZ_SECONDS ?? 60) * 1000;
const CATALOGUE = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'TOO_MANY_REQUESTS',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
  'SERVICE_UNAVAILABLE',
]);
/** What no client may ever read: driver and model text, stack frames, hosts. */
const INTERNALS =
  /Cast to|E11000|Mongo|Mongoose|Document\b|user_order|collection|\n\s+at |\bat \S+ \(|127\.0\.0\.1|localhost|ECONN/i;

const schema = buildSchema(readFileSync(resolve(__dirname, '..', '..', 'schema.graphql'), 'utf8'));

const IDS = {
  users: [toGlobalId('User', JANE.id), toGlobalId('User', '1Eg6d1aFL8s7')],
  items: [toGlobalId('Item', '1HEOx6FnC7cM'), toGlobalId('Item', '1GVl21lq0S8p')],
  orders: [toGlobalId('UserOrder', '1UtNnZBYUHDx')],
};

// ---------------------------------------------------------------- valid values

const oneOf = <T>(values: readonly T[]) => fc.constantFrom(...values);

/** A valid value for an argument or input field, by its name and type. */
function validValue(name: string, type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return validValue(name, type.ofType as GraphQLInputType, depth);
  if (isListType(type))
    return fc.array(validValue(name, type.ofType as GraphQLInputType, depth), {
      minLength: 1,
      maxLength: 3,
    });
  const named = getNamedType(type);
  if (named instanceof GraphQLEnumType) return oneOf(named.getValues().map((v) => v.value));
  if (named instanceof GraphQLInputObjectType) {
    const fields = Object.values(named.getFields());
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const field of fields) {
      const value = validValue(field.name, field.type, depth + 1);
      record[field.name] = isNonNullType(field.type)
        ? value
        : fc.option(value, { nil: undefined, freq: 3 });
    }
    return fc.record(record);
  }
  switch (named.name) {
    case 'ID':
      if (/^(user|payer)_id$/.test(name)) return oneOf(IDS.users);
      if (name === 'item_id') return oneOf(IDS.items);
      return oneOf([...IDS.users, ...IDS.items, ...IDS.orders]);
    case 'Int':
      return name === 'first' || name === 'last' ? fc.integer({ min: 0, max: 100 }) : fc.nat(50);
    case 'Float':
      return name === 'quantity'
        ? fc.integer({ min: 1, max: 9 })
        : fc.double({ min: 0, max: 500, noNaN: true });
    case 'DateTime':
      return fc
        .date({ min: new Date('2000-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
        .map((date) => date.toISOString());
    case 'String':
      return validString(name);
    default:
      return fc.constant(null);
  }
}

function validString(name: string): fc.Arbitrary<unknown> {
  switch (name) {
    case 'item_query':
      return oneOf(['{"full_name": "John Public"}', '{"_id": "1Eg6d1aFL8s7"}', '{}']);
    case 'filterValuesString':
      return oneOf(['{}', '{"_id": {"$in": ["1Eg6d1aFL8s7"]}}']);
    case 'username':
      return fc.stringMatching(/^fz[a-z0-9]{6,10}$/);
    case 'primary_email':
      return fc.stringMatching(/^fz[a-z0-9]{6,10}@example\.com$/);
    case 'primary_locale':
      return oneOf(['en', 'pt-BR', 'fr']);
    case 'item_details':
      return oneOf(['{"color": "red"}', '{}']);
    case 'field':
      return oneOf(['full_name', 'username', 'order_date', 'desc', 'quantity', 'created_at']);
    case 'after':
    case 'before':
      return fc.constant(null);
    default:
      return fc.string({ maxLength: 20 });
  }
}

// --------------------------------------------------------------- broken values

const BROKEN_ANY: unknown[] = [
  null,
  true,
  {},
  [],
  [null],
  'x'.repeat(5000),
  'a\u0000b',
  'tab\there',
  '\ud800',
  1e20,
  -1,
  0.5,
  -2147483649,
  2 ** 53,
];
const BROKEN_BY_NAME: Record<string, unknown[]> = {
  item_query: ['{', '[]', '"text"', '{"$where": "1"}', '{"_id": {"$gt": {"$ne": 1}}}', '{"a": 1}'],
  filterValuesString: ['{', '{"$where": "sleep(1)"}', '{"_id": {"$regex": ".*"}}', '{"x": 1}'],
  after: ['garbage', Buffer.from('{"$gt": 1}').toString('base64'), 'eyJ9'],
  before: ['garbage', Buffer.from('["_id", {"$ne": 1}]').toString('base64url')],
  item_details: ['{', '[1]', 'null', '"str"'],
  order_date: ['not-a-date', '2018-13-45T99:00:00Z', 1e20, '2018-01-01'],
  first: [1000000, 101, -1, 2 ** 31],
  last: [1000000, -5],
  quantity: [0, -1, 1e308],
  amount: [-0.01, 1e308],
};
const BROKEN_IDS = [
  'not-an-id',
  '',
  toGlobalId('Item', 'x'),
  toGlobalId('User', 'a"b'),
  'VXNlcjo=',
];

type Path = (string | number)[];

/** Every place in a valid argument object where a value could be broken. */
function paths(value: unknown, prefix: Path = []): Path[] {
  const here = prefix.length ? [prefix] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => paths(v, [...prefix, i]))];
  if (value && typeof value === 'object')
    return [
      ...here,
      ...Object.entries(value).flatMap(([k, v]) =>
        v === undefined ? [] : paths(v, [...prefix, k]),
      ),
    ];
  return here;
}

function setAt(target: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(target) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === MISSING) delete node[last];
  else node[last] = value;
  return copy;
}
const MISSING = Symbol('missing');

/** One broken version of valid arguments: a value replaced, removed, or an unknown field added. */
function broken(valid: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const places = paths(valid);
  if (places.length === 0) return fc.constant({ ...valid, bogus: 1 });
  return fc.tuple(fc.constantFrom(...places), fc.nat()).chain(([path, pick]) => {
    const name = String([...path].reverse().find((key) => typeof key === 'string') ?? '');
    const candidates = [
      ...(BROKEN_BY_NAME[name] ?? []),
      ...(/_id$|^ids?$/.test(name) ? BROKEN_IDS : []),
      ...BROKEN_ANY,
      MISSING,
    ];
    const target = valueAt(valid, path);
    const unknownField =
      target && typeof target === 'object' && !Array.isArray(target)
        ? [{ ...(target as object), bogus: 1 }]
        : [];
    const all = [...candidates, ...unknownField];
    return fc.constant(setAt(valid, path, all[pick % all.length]) as Record<string, unknown>);
  });
}

function valueAt(value: unknown, path: Path): unknown {
  return path.reduce<unknown>(
    (node, key) => (node as Record<string | number, unknown>)?.[key],
    value,
  );
}

// ---------------------------------------------------------------- operations

function selection(type: GraphQLOutputType, depth: number): string {
  const named = getNamedType(type);
  if (!(named instanceof GraphQLObjectType || named instanceof GraphQLInterfaceType)) return '';
  if (named instanceof GraphQLInterfaceType) return '{ __typename id }';
  const parts: string[] = ['__typename'];
  for (const field of Object.values(named.getFields())) {
    if (field.args.some((arg) => isNonNullType(arg.type))) continue;
    const inner = getNamedType(field.type);
    if (inner instanceof GraphQLObjectType || inner instanceof GraphQLInterfaceType) {
      if (depth < 2) parts.push(`${field.name} ${selection(field.type, depth + 1)}`);
    } else parts.push(field.name);
  }
  return `{ ${parts.join(' ')} }`;
}

type OperationKind = 'query' | 'mutation' | 'subscription';

interface Operation {
  readonly kind: OperationKind;
  readonly field: GraphQLField<unknown, unknown>;
  readonly text: string;
}

function operation(kind: OperationKind, field: GraphQLField<unknown, unknown>): Operation {
  const declarations = field.args.map(
    (arg: GraphQLArgument) => `$${arg.name}: ${String(arg.type)}`,
  );
  const call = field.args.map((arg) => `${arg.name}: $${arg.name}`);
  const text = `${kind} Fuzz${declarations.length ? `(${declarations.join(', ')})` : ''} { ${field.name}${
    call.length ? `(${call.join(', ')})` : ''
  } ${selection(field.type, 0)} }`;
  return { kind, field, text };
}

const OPERATIONS: Operation[] = [
  ...Object.values(schema.getQueryType()!.getFields()).map((f) => operation('query', f)),
  ...Object.values(schema.getMutationType()!.getFields()).map((f) => operation('mutation', f)),
  ...Object.values(schema.getSubscriptionType()?.getFields() ?? {}).map((f) =>
    operation('subscription', f),
  ),
];

/** How long a subscription may stay quiet before it counts as accepted (it waits for events). */
const SUBSCRIPTION_QUIET_MS = 100;

const validArgs = (op: Operation) =>
  fc.record(
    Object.fromEntries(
      op.field.args.map((arg) => [
        arg.name,
        isNonNullType(arg.type)
          ? validValue(arg.name, arg.type)
          : fc.option(validValue(arg.name, arg.type), { nil: undefined, freq: 2 }),
      ]),
    ),
  ) as fc.Arbitrary<Record<string, unknown>>;

interface Call {
  readonly op: Operation;
  readonly variables: Record<string, unknown>;
  readonly broken: boolean;
  readonly as: 'jane' | 'admin';
}

const calls: fc.Arbitrary<Call> = fc
  .constantFrom(...OPERATIONS)
  .chain((op) =>
    fc.record({
      op: fc.constant(op),
      broken: fc.boolean(),
      as: fc.constantFrom<'jane' | 'admin'>('jane', 'admin'),
      valid: validArgs(op),
    }),
  )
  .chain(({ op, broken: isBroken, as, valid }) =>
    (isBroken ? broken(valid) : fc.constant(valid)).map((variables) => ({
      op,
      variables,
      broken: isBroken,
      as,
    })),
  );

// ------------------------------------------------------------------- the run

let database: OwnDatabase;
let server: ServiceProcess;
let connection: mongoose.Connection;
const tokens: Record<'jane' | 'admin', string> = { jane: '', admin: '' };
/** Production's access cookie (no COOKIE_DOMAIN). */
const COOKIE = '__Host-token';
const sockets: Partial<Record<'jane' | 'admin', Client>> = {};

/**
 * A subscription over graphql-ws: its errors if it was refused or ended with
 * errors, none if it stayed open quietly (then it is ended here).
 */
async function subscriptionAnswer(call: Call): Promise<{
  status: number;
  errors: { message: string; extensions?: Record<string, unknown> }[];
}> {
  let client = sockets[call.as];
  if (!client) {
    const opened = wsClient(server.url, { token: tokens[call.as], cookieName: COOKIE });
    void opened.closed.then(() => delete sockets[call.as]);
    client = sockets[call.as] = opened.client;
  }
  const operation = subscribe(client, call.op.text, call.variables);
  await Promise.race([
    operation.completed,
    operation.received(1, SUBSCRIPTION_QUIET_MS).catch(() => undefined),
  ]);
  operation.unsubscribe();
  const errors = [
    ...operation.errors,
    ...operation.results.flatMap((result) => result.errors ?? []),
  ] as { message: string; extensions?: Record<string, unknown> }[];
  const closedWith = operation.errors.find(
    (error): error is { code: number } => typeof (error as { code?: unknown }).code === 'number',
  );
  // A socket the server closed answers like a 5xx unless it closed it for a documented reason.
  return { status: closedWith ? 599 : 200, errors };
}

async function signIn(user: { username: string; password: string }): Promise<string> {
  const response = await fetch(`${server.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user.username, password: user.password }),
  });
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status}`);
  return tokenCookie(response, COOKIE)!.value;
}

buildDistBeforeAll();

beforeAll(async () => {
  database = await startOwnDatabase('fuzz');
  const mongodbUri = database.uri('fuzz');
  server = await startSeededProductionService(mongodbUri, await makeTestKeys(), {
    GRAPHQL_RATE_LIMIT_PER_MINUTE: '1000000',
  });
  tokens.jane = await signIn(JANE);
  tokens.admin = await signIn(ADMIN);
  connection = await mongoose.createConnection(mongodbUri).asPromise();
}, 120_000);

afterAll(async () => {
  await Promise.all(Object.values(sockets).map((client) => client?.dispose()));
  await connection?.close();
  await server?.stop();
  await database?.dispose();
});

const counts = async () =>
  Promise.all(['user', 'user_order'].map((name) => connection.collection(name).countDocuments()));

it(
  'answers every valid and broken call below 500, with a catalogue code and a request id, showing no internals',
  async () => {
    const covered = { valid: new Set<string>(), broken: new Set<string>() };
    let requests = 0;
    const started = Date.now();
    console.log(`fuzz: seed ${SEED} (FUZZ_SEED), ${TIME_LIMIT_MS / 1000} s (FUZZ_SECONDS)`);

    await fc.assert(
      fc.asyncProperty(calls, async (call) => {
        const body = JSON.stringify({ query: call.op.text, variables: call.variables });
        const before = call.op.kind === 'mutation' ? await counts() : undefined;
        const response =
          call.op.kind === 'subscription'
            ? await subscriptionAnswer(call)
            : await fetch(`${server.url}/graphql`, {
                method: 'POST',
                headers: {
                  'content-type': 'application/json',
                  cookie: `${COOKIE}=${tokens[call.as]}`,
                },
                body,
              });
        requests += 1;
        const text =
          'errors' in response
            ? JSON.stringify({ errors: response.errors })
            : await response.text();
        const fail = (why: string) => {
          throw new Error(
            `${why}\nrequest (as ${call.as}): ${body.slice(0, 2000)}\nanswer ${response.status}: ${text.slice(0, 2000)}`,
          );
        };
        if (response.status >= 500) fail('a 5xx answer');
        let answer: {
          data?: Record<string, unknown> | null;
          errors?: { message: string; extensions?: Record<string, unknown> }[];
        };
        try {
          answer = JSON.parse(text);
        } catch {
          return fail('an answer that is not JSON');
        }
        for (const error of answer.errors ?? []) {
          if (!CATALOGUE.has(String(error.extensions?.code)))
            fail('an error code outside the catalogue');
          if (typeof error.extensions?.requestId !== 'string')
            fail('an error without a request id');
          if (INTERNALS.test(error.message)) fail('internals in an error message');
        }
        const payload = answer.data?.[call.op.field.name] as
          { completionObj?: { code?: string; msg?: string } } | null | undefined;
        if (payload?.completionObj?.msg && INTERNALS.test(payload.completionObj.msg))
          fail('internals in a completionObj');
        if (before) {
          const refused = !!answer.errors?.length || payload?.completionObj?.code !== '0';
          const after = await counts();
          if (refused && (after[0] !== before[0] || after[1] !== before[1]))
            fail(`a refused mutation wrote (${before.join('/')} -> ${after.join('/')})`);
        }
        (call.broken ? covered.broken : covered.valid).add(`${call.op.kind} ${call.op.field.name}`);
      }),
      {
        seed: SEED,
        numRuns: 1_000_000,
        interruptAfterTimeLimit: TIME_LIMIT_MS,
        markInterruptAsFailure: false,
        endOnFailure: true,
      },
    );

    const ready = await fetch(`${server.url}/health/ready`);
    expect(ready.status).toBe(200);
    const viewer = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `${COOKIE}=${tokens.jane}` },
      body: JSON.stringify({ query: '{ viewer { username } }' }),
    });
    expect(await viewer.json()).toEqual({ data: { viewer: { username: 'jane01' } } });

    const all = OPERATIONS.map((op) => `${op.kind} ${op.field.name}`);
    console.log(
      `fuzz: seed ${SEED}: ${requests} requests in ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
        `${all.length} operations; valid calls covered ${covered.valid.size}/${all.length}, broken ${covered.broken.size}/${all.length}`,
    );
    expect(covered.broken.size).toBe(all.length);
    expect(covered.valid.size).toBe(all.length);
  },
  TIME_LIMIT_MS + 120_000,
);
