/**
 * The example app (examples/web, built by `npm run test:browser` before Jest starts) in Debian's
 * Chromium: served on a second origin of the API's site (localhost:PORT2 beside localhost:PORT),
 * through every flow docs/frontend.md describes, against an API that accepts only the app's
 * trusted documents; then the same app on 127.0.0.1, another site, failing the way
 * docs/frontend.md says it fails. Screenshots go to test-artifacts/browser/web-*.png.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { findFreePort } from '../../src/database/embedded/ports';
import { JANE } from '../support/auth-helpers';
import {
  seedByProcess,
  startServiceProcess,
  type ServiceProcess,
} from '../support/service-process';
import { testDatabaseUri, uniqueDatabaseName } from '../support/test-app';
import { buildDistBeforeAll } from '../support/dist-build';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = resolve(__dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
const APP_DIST = join(ROOT, 'examples', 'web', 'dist');
const TOKEN_TTL_SECONDS = 10;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
};

let api: ServiceProcess;
let apiOrigin: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let appOrigin: string;
let crossSiteOrigin: string;
const sites: Server[] = [];
const graphqlBodies: Record<string, unknown>[] = [];

/** Serves the built app, with a config.json pointing it at the API. */
function serveApp(port: number, config: { apiUrl: string; pageSize: number }): Promise<void> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://app').pathname;
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return void res.end(JSON.stringify(config));
    }
    const file = normalize(join(APP_DIST, path === '/' ? 'index.html' : path));
    if (!file.startsWith(APP_DIST) || !existsSync(file)) {
      res.writeHead(404);
      return void res.end();
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'text/plain' });
    res.end(readFileSync(file));
  });
  sites.push(server);
  return new Promise((ready) => server.listen(port, '127.0.0.1', () => ready()));
}

/** A step: runs, then saves a screenshot; on failure the screenshot shows where it stopped. */
async function step(name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } finally {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) }).catch(() => undefined);
  }
}

async function signInThroughLoginPage(): Promise<void> {
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/auth\/login\?return_to=/);
  await page.getByLabel('Username').fill(JANE.username);
  await page.getByLabel('Password').fill(JANE.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const orders = () => page.locator('li.order');
const problem = () => page.locator('.problem').last();

// Starts the built service or its CLIs (dist/): compiled once per run, before the first test.
buildDistBeforeAll();

beforeAll(async () => {
  if (!existsSync(join(APP_DIST, 'index.html')))
    throw new Error('examples/web is not built: run `npm run test:browser` (it builds it first)');
  mkdirSync(ARTIFACTS, { recursive: true });
  const mongodbUri = testDatabaseUri(uniqueDatabaseName());
  await seedByProcess(mongodbUri);
  const appPort = await findFreePort();
  const crossSitePort = await findFreePort();
  appOrigin = `http://localhost:${appPort}`;
  crossSiteOrigin = `http://127.0.0.1:${crossSitePort}`;
  api = await startServiceProcess({
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    MONGODB_URI: mongodbUri,
    JWT_TTL: `${TOKEN_TTL_SECONDS}s`,
    // The app's documents are the only ones this API accepts (its codegen wrote the manifest).
    TRUSTED_DOCUMENTS: join(ROOT, 'examples', 'web', 'src', 'gql', 'persisted-documents.json'),
    TRUSTED_DOCUMENTS_ONLY: 'true',
    // Both allowed, as a team would configure them: the second one still cannot work (another site).
    AUTH_RETURN_TO_ORIGINS: `${appOrigin},${crossSiteOrigin}`,
  });
  apiOrigin = api.url.replace('127.0.0.1', 'localhost');
  await serveApp(appPort, { apiUrl: apiOrigin, pageSize: 2 });
  await serveApp(crossSitePort, { apiUrl: apiOrigin, pageSize: 2 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  page = await context.newPage();
  page.on('request', (request) => {
    if (request.url() === `${apiOrigin}/graphql` && request.method() === 'POST')
      graphqlBodies.push(JSON.parse(request.postData() ?? '{}') as Record<string, unknown>);
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await Promise.all(sites.map((site) => new Promise((closed) => site.close(closed))));
});

describe('the example app on another origin of the same site (localhost:PORT2)', () => {
  it('shows UNAUTHENTICATED with its request id before sign-in', () =>
    step('web-1-signed-out', async () => {
      await page.goto(`${appOrigin}/`);
      await page.locator('#signed-out').waitFor();
      await expect(problem().locator('.code').textContent()).resolves.toBe('UNAUTHENTICATED');
      await expect(problem().locator('.request-id').textContent()).resolves.toMatch(/\S{8,}/);
    }));

  it('signs in through the login page, which sends the browser back to the app', async () => {
    await step('web-2-login-page', async () => {
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/auth\/login\?return_to=/);
      expect(page.url().startsWith(`${apiOrigin}/auth/login`)).toBe(true);
      await page.getByLabel('Username').fill(JANE.username);
      await page.getByLabel('Password').fill(JANE.password);
    });
    await step('web-3-orders-first-page', async () => {
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${appOrigin}/`);
      await expect(page.locator('#username').textContent()).resolves.toBe(JANE.username);
      // Jane's two sample orders, one page of two: no "More".
      await expect(orders().count()).resolves.toBe(2);
      await expect(page.getByRole('button', { name: 'More' }).count()).resolves.toBe(0);
    });
  });

  it('creates an order; the first page then offers "More"', () =>
    step('web-4-order-created', async () => {
      await page.getByLabel('Quantity').fill('2');
      await page.getByRole('button', { name: 'Create order' }).click();
      await expect(page.getByRole('status').textContent()).resolves.toContain('002');
      await page.getByRole('button', { name: 'More' }).waitFor();
      await expect(orders().count()).resolves.toBe(2);
      await expect(orders().first().textContent()).resolves.toContain('2 × ');
    }));

  it('pages with "More": the next page is appended (Relay cursors, relayStylePagination)', () =>
    step('web-5-more', async () => {
      await page.getByRole('button', { name: 'More' }).click();
      await orders().nth(2).waitFor();
      await expect(page.getByRole('button', { name: 'More' }).count()).resolves.toBe(0);
      await expect(orders().last().textContent()).resolves.toContain('2018-01-01');
    }));

  it('shows a GraphQL error with its code and request id (an invalid DateTime)', () =>
    step('web-6-bad-user-input', async () => {
      await page.getByLabel('Order date (optional)').fill('yesterday');
      await page.getByRole('button', { name: 'Create order' }).click();
      await page.locator('.problem .code', { hasText: 'BAD_USER_INPUT' }).waitFor();
      await expect(problem().locator('.request-id').textContent()).resolves.toMatch(/\S{8,}/);
      await page.getByLabel('Order date (optional)').fill('');
    }));

  it('shows a business outcome by its msg_id (quantity 0 is DO04)', () =>
    step('web-7-business-outcome', async () => {
      await page.getByLabel('Quantity').fill('0');
      await page.getByRole('button', { name: 'Create order' }).click();
      await page.locator('.problem .code', { hasText: 'DO04' }).waitFor();
      await expect(page.locator('#total').textContent()).resolves.toBe('3');
    }));

  it('keeps the session past the token lifetime by refreshing before expiry', () =>
    step('web-8-refreshed', async () => {
      const refreshes: number[] = [];
      const countRefresh = (response: { url(): string; status(): number }) => {
        if (response.url() === `${apiOrigin}/auth/refresh`) refreshes.push(response.status());
      };
      page.on('response', countRefresh);
      await page.waitForTimeout((TOKEN_TTL_SECONDS + 3) * 1000);
      page.off('response', countRefresh);
      expect(refreshes.length).toBeGreaterThanOrEqual(2);
      expect(refreshes.every((status) => status === 200)).toBe(true);
      await expect(page.locator('#session').textContent()).resolves.toContain('valid until');
      // A request after the first token's expiry still carries a valid one.
      await page.getByLabel('Quantity').fill('1');
      await page.getByRole('button', { name: 'Create order' }).click();
      await page.getByRole('status').getByText('Order created').waitFor();
    }));

  it('named every document by its hash: no request carried document text (TRUSTED_DOCUMENTS_ONLY)', () => {
    expect(graphqlBodies.length).toBeGreaterThan(5);
    for (const body of graphqlBodies) {
      expect(body.query).toBeUndefined();
      expect(body.extensions).toMatchObject({
        persistedQuery: { version: 1, sha256Hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
      });
    }
  });

  it('signs out: the app shows UNAUTHENTICATED again, also after a reload', () =>
    step('web-9-signed-out-again', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.locator('#signed-out').waitFor();
      await expect(problem().locator('.code').textContent()).resolves.toBe('UNAUTHENTICATED');
      await page.reload();
      await page.locator('#signed-out').waitFor();
      await expect(page.getByRole('button', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    }));
});

describe('the same app on 127.0.0.1 calling the API on localhost (another site)', () => {
  it('signs in, comes back, and is still UNAUTHENTICATED: the browser withholds the cookie from cross-site requests', () =>
    step('web-10-cross-site-fails', async () => {
      await context.clearCookies();
      await page.goto(`${crossSiteOrigin}/`);
      await page.locator('#signed-out').waitFor();
      await signInThroughLoginPage();
      await page.waitForURL(`${crossSiteOrigin}/`);
      // Sign-in worked (the cookie is there, for localhost) ...
      const cookies = await context.cookies(apiOrigin);
      expect(cookies.map((cookie) => cookie.name)).toContain('token');
      // ... CORS let the request through, but it went without the cookie.
      await page.locator('#signed-out').waitFor();
      await expect(problem().locator('.code').textContent()).resolves.toBe('UNAUTHENTICATED');
    }));
});
