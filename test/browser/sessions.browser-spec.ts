/**
 * Sessions in Debian's Chromium (playwright-core): the login page sending the
 * browser back to an app on another allowed origin (its CSP `form-action`),
 * the Apollo Client 4 links of docs/frontend.md (examples/web/src/apollo.ts and
 * session.ts, bundled as they are) renewing an expired access token once for
 * concurrent queries and retrying them, and a navigation to /graph without its
 * access cookie renewed through the refresh cookie instead of the login page.
 * Access tokens live 10 s here.
 */
import { build } from 'esbuild';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { findFreePort } from '../../src/database/embedded/ports';
import { JANE } from '../support/auth-helpers';
import { launchChromium, screenshotSteps, startSeededService } from '../support/browser';
import type { ServiceProcess } from '../support/service-process';
import { buildDistBeforeAll } from '../support/dist-build';

const TOKEN_LIFETIME_MS = 10_000;

/** The example app's client, and a way for the test to run queries with it. */
const APP_ENTRY = `
import { gql } from '@apollo/client';
import { createClient } from './apollo';
import { Session } from './session';
const w = window as unknown as Record<string, unknown>;
w.signInCalls = 0;
const apiUrl = document.documentElement.dataset.api!;
const session = new Session(apiUrl);
const client = createClient({
  apiUrl,
  renew: () => session.renew(),
  signIn: () => {
    w.signInCalls = (w.signInCalls as number) + 1;
  },
});
w.ask = async (field: string) => {
  const { data } = await client.query<{ viewer: Record<string, string> }>({
    query: gql('query Ask_' + field + ' { viewer { ' + field + ' } }'),
    fetchPolicy: 'network-only',
  });
  return data!.viewer[field];
};
`;

let api: ServiceProcess;
let browser: Browser;
let page: Page;
let app: Server;
let appOrigin: string;
let refreshes: string[] = [];

const step = screenshotSteps(() => page, 'sessions-');

/** Runs `viewer { <field> }` through the app's Apollo client, in the page. */
const ask = (field: string) =>
  page.evaluate(
    (name) => (globalThis as unknown as { ask(f: string): Promise<string> }).ask(name),
    field,
  );
const signInCalls = () =>
  page.evaluate(() => (globalThis as unknown as { signInCalls: number }).signInCalls);

/** Until the access token has expired and the browser has dropped its cookie. */
const untilTheAccessTokenExpires = () => sleep(TOKEN_LIFETIME_MS + 1_500);

// Starts the built service or its CLIs (dist/): compiled once per run, before the first test.
buildDistBeforeAll();

beforeAll(async () => {
  const appPort = await findFreePort();
  appOrigin = `http://127.0.0.1:${appPort}`;
  ({ service: api } = await startSeededService({
    CORS_ORIGINS: appOrigin,
    AUTH_RETURN_TO_ORIGINS: appOrigin,
    JWT_TTL: `${TOKEN_LIFETIME_MS / 1000}s`,
    JWT_CLOCK_TOLERANCE: '0s',
  }));
  const bundle = await build({
    stdin: {
      contents: APP_ENTRY,
      resolveDir: resolve(__dirname, '..', '..', 'examples', 'web', 'src'),
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0].text;
  app = createServer((req, res) => {
    if (req.url === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      return res.end(script);
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html data-api="${api.url}"><body><h1>The app</h1><script src="/app.js"></script></body></html>`,
    );
  });
  await new Promise<void>((done) => app.listen(appPort, '127.0.0.1', done));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/auth/refresh')
      refreshes.push(`${request.method()} ${request.url()}`);
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await new Promise((done) => app?.close(done));
});

describe('sessions in Chromium', () => {
  it('signs in on the login page and follows its 303 to the app on another allowed origin', () =>
    step('1-return-to-app', async () => {
      const returnTo = `${appOrigin}/orders?tab=open`;
      await page.goto(`${api.url}/auth/login?return_to=${encodeURIComponent(returnTo)}`);
      await page.getByLabel('Username').fill(JANE.username);
      await page.getByLabel('Password').fill(JANE.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(returnTo, { timeout: 15_000 });
      await page.getByText('The app').waitFor();
      expect(await ask('username')).toBe(JANE.username);
      expect(refreshes).toEqual([]);
    }));

  it('Apollo Client: once the access token has expired, one refresh and the queries go through', () =>
    step('2-apollo-refresh', async () => {
      await untilTheAccessTokenExpires();
      refreshes = [];
      // Three different queries at once: they share one refresh (a second would be a reuse).
      const answers = await Promise.all([ask('username'), ask('primary_email'), ask('id')]);
      expect(answers[0]).toBe(JANE.username);
      expect(answers[1]).toContain('@');
      expect(refreshes).toHaveLength(1);
      expect(refreshes[0]).toMatch(/^POST /);
      expect(await signInCalls()).toBe(0);
      // Renewed for the next ones too: no further refresh.
      expect(await ask('username')).toBe(JANE.username);
      expect(refreshes).toHaveLength(1);
    }));

  it('a navigation to /graph after the access cookie expired is renewed and shows GraphiQL, not the login page', () =>
    step('3-navigation-refresh', async () => {
      await untilTheAccessTokenExpires();
      refreshes = [];
      await page.goto(`${api.url}/graph`);
      expect(page.url()).toBe(`${api.url}/graph`);
      await page.locator('.graphiql-container').waitFor({ timeout: 15_000 });
      expect(refreshes).toEqual([`GET ${api.url}/auth/refresh?return_to=%2Fgraph`]);
    }));

  it('after the session is ended from another device, the app is sent to sign in and /graph to the login page', () =>
    step('4-signed-out', async () => {
      await page.goto(`${appOrigin}/orders`);
      // Jane signs out everywhere from another browser (its own cookies).
      const device = await browser.newContext();
      const elsewhere = await device.newPage();
      await elsewhere.goto(`${api.url}/auth/login`);
      await elsewhere.getByLabel('Username').fill(JANE.username);
      await elsewhere.getByLabel('Password').fill(JANE.password);
      await elsewhere.getByRole('button', { name: 'Sign in' }).click();
      await elsewhere.waitForURL(`${api.url}/graph`);
      const status = await elsewhere.evaluate(async (url) => {
        const response = await fetch(`${url}/auth/logout`, {
          method: 'POST',
          credentials: 'include',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ scope: 'all' }),
        });
        return response.status;
      }, api.url);
      await device.close();
      expect(status).toBe(204);
      await expect(ask('username')).rejects.toThrow();
      expect(await signInCalls()).toBe(1);
      await page.goto(`${api.url}/graph`);
      expect(page.url()).toBe(`${api.url}/auth/login?return_to=%2Fgraph`);
    }));
});
