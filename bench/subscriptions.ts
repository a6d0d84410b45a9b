/**
 * `npm run bench:subscriptions`: the service as `npm start` runs it, with N
 * open subscriptions (default 1,000, one per WebSocket connection, every one
 * following the same user) and one order created. Reports the server's RSS
 * before and after the sockets opened (memory per connection) and how long
 * after the mutation's answer each subscriber had the event (fan-out latency:
 * median, p99, last). The clients run in this process, so the latencies
 * include their own parsing of N messages. A program that reports numbers,
 * not a test.
 */
import { createClient, type Client } from 'graphql-ws';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { startEmbeddedDatabase } from '../src/database/embedded/embedded-database';
import type { RunningDatabase } from '../src/database/embedded/types';
import { generatePemKeyPair } from '../src/auth/keys/key-material';
import { numberFlag } from './support/cli';
import {
  cleanUpOnInterrupt,
  npmStartCommand,
  ROOT,
  rssKiB,
  seedByProcess,
  startNodeProcess,
  tokenCookie,
  type BenchProcess,
} from './support/processes';

const SUBSCRIPTIONS = numberFlag('subscriptions', 1_000);
const JANE_ID = Buffer.from('User:1E4Yo11Y3r9a').toString('base64');
const FOOD = Buffer.from('Item:1HEOx6FnC7cM').toString('base64');

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'bench-subscriptions-'));
  let database: RunningDatabase | undefined;
  let server: BenchProcess | undefined;
  const clients: Client[] = [];
  const cleanUp = cleanUpOnInterrupt(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await server?.stop();
    await database?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });
  try {
    console.error('Starting a throwaway database and the service (npm start)...');
    database = await startEmbeddedDatabase({ dataDir: '', throwaway: true });
    const mongodbUri = `${database.uri}subscriptions`;
    await seedByProcess(mongodbUri);
    const pair = generatePemKeyPair('ES256');
    const { env, nodeArgs } = npmStartCommand();
    server = await startNodeProcess({
      script: resolve(ROOT, 'dist', 'main.js'),
      nodeArgs,
      env: {
        ...env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        MONGODB_URI: mongodbUri,
        CORS_ORIGINS: 'https://app.example.com',
        COOKIE_SECURE: 'true',
        JWT_PRIV_KEY_B64: Buffer.from(pair.privateKey).toString('base64'),
        // One viewer holds every connection here; the default quota is 20.
        WS_MAX_CONNECTIONS_PER_VIEWER: String(SUBSCRIPTIONS),
      },
      logFile: join(workDir, 'server.log'),
      readyPath: '/health/ready',
    });
    const signIn = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'jane01', password: 'jane01-dev-password' }),
    });
    const cookie = tokenCookie(signIn);
    class CookieWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { cookie } });
      }
    }
    await sleep(2_000);
    const idleKiB = rssKiB(server.pid);

    console.error(`Opening ${SUBSCRIPTIONS} subscriptions...`);
    const arrivals: number[] = [];
    const acknowledged: Promise<void>[] = [];
    for (let i = 0; i < SUBSCRIPTIONS; i += 1) {
      let ack!: () => void;
      acknowledged.push(new Promise((done) => (ack = done)));
      const client = createClient({
        url: `${server.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: CookieWebSocket,
        lazy: false,
        retryAttempts: 0,
        on: { connected: () => ack() },
      });
      clients.push(client);
      client.subscribe(
        { query: 'subscription { orderCreated { id user { username } } }' },
        {
          next: () => arrivals.push(performance.now()),
          error: () => undefined,
          complete: () => undefined,
        },
      );
      if (i % 100 === 99) await Promise.all(acknowledged.slice(i - 99, i + 1));
    }
    await Promise.all(acknowledged);
    await sleep(2_000);
    const openKiB = rssKiB(server.pid);

    const sentAt = performance.now();
    const created = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({
        query: `mutation { createOrder(input: {order_data: {user_id: "${JANE_ID}", order_items: [{item_id: "${FOOD}", quantity: 1}]}}) { order_id } }`,
      }),
    });
    await created.arrayBuffer();
    const answeredAt = performance.now();
    const deadline = Date.now() + 30_000;
    while (arrivals.length < SUBSCRIPTIONS && Date.now() < deadline) await sleep(5);
    const latencies = arrivals.map((at) => at - answeredAt).sort((a, b) => a - b);

    const ms = (value: number) => `${value.toFixed(1)} ms`;
    console.log(`Subscriptions open: ${SUBSCRIPTIONS} (one per connection, one viewer)`);
    console.log(
      `Server RSS: ${(idleKiB / 1024).toFixed(0)} MB idle, ${(openKiB / 1024).toFixed(0)} MB with the subscriptions open: ` +
        `${((openKiB - idleKiB) / SUBSCRIPTIONS).toFixed(1)} KiB per connection`,
    );
    console.log(`createOrder answered in ${ms(answeredAt - sentAt)}`);
    console.log(
      `Events delivered: ${arrivals.length}/${SUBSCRIPTIONS}; after the mutation's answer: ` +
        `median ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, last ${ms(latencies.at(-1) ?? NaN)}`,
    );
    if (arrivals.length < SUBSCRIPTIONS) process.exitCode = 1;
  } finally {
    await cleanUp();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
