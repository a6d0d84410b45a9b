/**
 * `npm run mock` (scripts/mock-server.mts) as a process: answers the example's kind of query with
 * values in the sample data's shapes, without a database or a sign-in; Ctrl-C (SIGINT) stops it,
 * and it starts again on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { findFreePort } from '../src/database/embedded/ports';

const SCRIPT = resolve(__dirname, '..', 'scripts', 'mock-server.mts');
const SAMPLE_USERNAMES = ['jane01', 'john01', 'admin01'];

/** Each mock started, until its output pipes have closed. */
const running = new Map<ChildProcess, Promise<unknown>>();

async function startMock(port: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [SCRIPT, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.set(
    child,
    once(child, 'close').finally(() => running.delete(child)),
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((ready, fail) => {
    const timer = setInterval(() => {
      const match = /Mock API on (http:\/\/localhost:\d+\/graphql)/.exec(output);
      if (match) {
        clearInterval(timer);
        ready(match[1].replace('localhost', '127.0.0.1'));
      }
    }, 25);
    child.once('exit', (code) => {
      clearInterval(timer);
      fail(new Error(`mock exited with ${code}: ${output}`));
    });
  });
  return { child, url };
}

function interrupt(child: ChildProcess): Promise<number | null> {
  return new Promise((exited) => {
    child.once('exit', (code) => exited(code));
    child.kill('SIGINT');
  });
}

async function query(url: string, text: string): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://localhost:5173' },
    body: JSON.stringify({ query: text }),
  });
  expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  expect(response.headers.get('access-control-allow-credentials')).toBe('true');
  return response.json();
}

const decode = (id: string) => Buffer.from(id, 'base64').toString();

describe('npm run mock', () => {
  // One a failed expectation left running is killed, and gone before the file ends.
  afterEach(async () => {
    for (const child of running.keys()) child.kill('SIGKILL');
    await Promise.all(running.values());
  });

  it('serves mocked answers in the sample data shapes, stops on Ctrl-C, and runs again on the same port', async () => {
    const port = await findFreePort();
    for (let run = 1; run <= 2; run++) {
      const { child, url } = await startMock(port);
      const body = await query(
        url,
        `{ viewer { id username orders(first: 3) { totalCount edges { node { id order_date
             order_items { edges { node { item_id desc quantity item_details } } } } } } }
           listItems { edges { node { id desc item_price { amount valid_from } } } } }`,
      );
      expect(body.errors).toBeUndefined();
      const viewer = body.data.viewer;
      expect(decode(viewer.id)).toBe('User:1E4Yo11Y3r9a');
      expect(viewer.username).toBe('jane01');
      expect(viewer.orders.edges).toHaveLength(3);
      const order = viewer.orders.edges[0].node;
      expect(decode(order.id)).toMatch(/^UserOrder:[A-Za-z0-9_-]{12}$/);
      expect(new Date(order.order_date).toISOString()).toBe(order.order_date);
      const line = order.order_items.edges[0].node;
      expect(decode(line.item_id)).toMatch(/^Item:/);
      expect(typeof JSON.parse(line.item_details)).toBe('object');
      const item = body.data.listItems.edges[0].node;
      expect(item.desc).toMatch(/^Sample/);
      expect(item.item_price[0].amount).toBeGreaterThan(0);
      const users = await query(url, '{ listUsers { edges { node { username } } } }');
      for (const edge of users.data.listUsers.edges)
        expect(SAMPLE_USERNAMES).toContain(edge.node.username);
      await expect(interrupt(child)).resolves.toBe(0);
    }
  });
});
