/**
 * `npm run soak [-- --seconds 180 --concurrency 32 --max-requests 200000]`:
 * a bounded load and soak test over loopback. A production-mode server
 * process on a throwaway FerretDB takes authenticated reads and writes at
 * full concurrency until the time or the request budget runs out; then every
 * acknowledged createOrder must be in the database exactly once, and the
 * server's memory must not have kept growing. Exits non-zero otherwise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mongo } from 'mongoose';
import { generatePemKeyPair } from '../src/auth/keys/key-material';
import { startEmbeddedDatabase } from '../src/database/embedded/embedded-database';
import { hasFlag, numberFlag } from './support/cli';
import {
  cleanUpOnInterrupt,
  ROOT,
  rssKiB,
  seedByProcess,
  startNodeProcess,
  npmStartCommand,
  tokenCookie,
  type BenchProcess,
} from './support/processes';

const QUICK = hasFlag('quick');
const SECONDS = numberFlag('seconds', QUICK ? 20 : 180);
const CONCURRENCY = numberFlag('concurrency', 32);
const MAX_REQUESTS = numberFlag('max-requests', 200_000);
const NPM_START = npmStartCommand();
const USERS = [
  { username: 'jane01', password: 'jane01-dev-password', id: '1E4Yo11Y3r9a' },
  { username: 'john01', password: 'john01-dev-password', id: '1Eg6d1aFL8s7' },
];
const ITEMS = ['1HEOx6FnC7cM', '1GVl21lq0S8p'];
const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');

async function main(): Promise<void> {
  const database = await startEmbeddedDatabase({ dataDir: '', throwaway: true });
  const uri = `${database.uri}soak`;
  const logDir = mkdtempSync(join(tmpdir(), 'soak-'));
  const running: BenchProcess[] = [];
  const cleanUp = cleanUpOnInterrupt(async () => {
    for (const server of running.splice(0)) await server.stop();
    await database.stop();
    rmSync(logDir, { recursive: true, force: true });
  });
  const pair = generatePemKeyPair('ES256');
  await seedByProcess(uri);

  const server = await startNodeProcess({
    script: join(ROOT, 'dist', 'main.js'),
    nodeArgs: NPM_START.nodeArgs,
    env: {
      ...NPM_START.env,
      NODE_ENV: 'production',
      // info, as in production: one line per request (to a file).
      LOG_LEVEL: 'info',
      LOG_PRETTY: 'false',
      MONGODB_URI: uri,
      CORS_ORIGINS: 'https://app.example.com',
      // The embedded database under 32 concurrent clients answers some queries after more than
      // the default 2 s limit (maxTimeMS), which would count as errors of the service.
      DB_TIMEOUT: '60s',
      JWT_PRIV_KEY_B64: Buffer.from(pair.privateKey).toString('base64'),
      GRAPHQL_RATE_LIMIT_PER_MINUTE: '10000000',
      LOGIN_RATE_LIMIT_PER_ADDRESS: '100000',
    },
    logFile: join(logDir, 'server.log'),
    readyPath: '/health/ready',
  });
  running.push(server);
  const url = server.url;

  const tokens = await Promise.all(
    USERS.map(async (user) => {
      const response = await fetch(`${url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(user),
      });
      return tokenCookie(response);
    }),
  );

  const rss: number[] = [rssKiB(server.pid)];
  const sampler = setInterval(() => rss.push(rssKiB(server.pid)), 1000);
  const acknowledged = new Map<string, string>(); // order id -> marker
  let sent = 0;
  let errors = 0;
  let reads = 0;
  let writes = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const started = Date.now();

  const worker = async (w: number) => {
    while (Date.now() < deadline && sent < MAX_REQUESTS) {
      const n = sent++;
      const who = n % USERS.length;
      const cookie = tokens[who];
      const write = n % 10 < 3;
      const marker = `soak-${w}-${n}`;
      const query = write
        ? `mutation ($m: String) { createOrder(input: {clientMutationId: $m, order_data: {user_id: "${gid('User', USERS[who].id)}", order_items: [{item_id: "${gid('Item', ITEMS[n % 2])}", quantity: ${1 + (n % 5)}, item_details: "{\\"soak\\": \\"${marker}\\"}"}]}}) { order_id clientMutationId completionObj { code } } }`
        : n % 3 === 0
          ? `{ listUserOrders(user_id: "${gid('User', USERS[who].id)}", first: 10) { edges { node { id order_items(first: 5) { edges { node { desc item { desc } } } } payer { username } } } } }`
          : n % 3 === 1
            ? '{ viewer { id username } }'
            : '{ listItems(first: 10) { edges { node { id desc item_price { amount } } } } }';
      try {
        const response = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie },
          body: JSON.stringify({ query, variables: write ? { m: marker } : undefined }),
          signal: AbortSignal.timeout(30_000),
        });
        const body = (await response.json()) as { data?: any; errors?: unknown[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
        if (response.status !== 200 || body.errors) {
          errors += 1;
          continue;
        }
        if (write) {
          writes += 1;
          const payload = body.data.createOrder;
          if (payload.completionObj.code === '0' && payload.clientMutationId === marker)
            acknowledged.set(payload.order_id, marker);
          else errors += 1;
        } else {
          reads += 1;
        }
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  const elapsed = (Date.now() - started) / 1000;
  clearInterval(sampler);
  rss.push(rssKiB(server.pid));

  // Every acknowledged write is stored exactly once.
  const client = new mongo.MongoClient(uri);
  await client.connect();
  const ids = [...acknowledged.keys()].map(
    (globalId) => Buffer.from(globalId, 'base64').toString('utf8').split(':')[1],
  );
  const stored = await client
    .db()
    .collection('user_order')
    .find(
      { 'order_items.item_details.soak': { $exists: true } },
      { projection: { _id: 1, 'order_items.item_details': 1 } },
    )
    .toArray();
  await client.close();
  const storedIds = new Map<string, number>();
  const markers = new Map<string, number>();
  for (const doc of stored) {
    storedIds.set(String(doc._id), (storedIds.get(String(doc._id)) ?? 0) + 1);
    const marker = String(
      (doc.order_items as { item_details: { soak: string } }[])[0].item_details.soak,
    );
    markers.set(marker, (markers.get(marker) ?? 0) + 1);
  }
  const missing = ids.filter((id) => storedIds.get(id) !== 1).length;
  const duplicated = [...markers.values()].filter((count) => count > 1).length;

  await cleanUp();

  const quarter = Math.max(1, Math.floor(rss.length / 4));
  const early = Math.max(...rss.slice(0, quarter));
  const late = Math.max(...rss.slice(-quarter));
  const peak = Math.max(...rss);
  console.log(
    `\nsoak: ${SECONDS} s budget, ${CONCURRENCY} concurrent, ${elapsed.toFixed(1)} s run`,
  );
  console.log(
    `requests ${sent} (${Math.round(sent / elapsed)}/s): ${reads} reads, ${writes} writes, ${errors} errors`,
  );
  console.log(
    `acknowledged writes ${acknowledged.size}, stored with a soak marker ${stored.length}, not stored exactly once ${missing}, duplicated ${duplicated}`,
  );
  console.log(
    `server RSS: start ${Math.round(rss[0] / 1024)} MB, peak ${Math.round(peak / 1024)} MB, end ${Math.round(rss.at(-1)! / 1024)} MB (first-quarter max ${Math.round(early / 1024)} MB, last-quarter max ${Math.round(late / 1024)} MB)`,
  );
  const grew = late > early * 1.5 && late - early > 50 * 1024;
  const ok =
    errors === 0 &&
    missing === 0 &&
    duplicated === 0 &&
    stored.length === acknowledged.size &&
    !grew;
  console.log(ok ? 'soak: OK' : `soak: FAILED${grew ? ' (memory kept growing)' : ''}`);
  process.exit(ok ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
