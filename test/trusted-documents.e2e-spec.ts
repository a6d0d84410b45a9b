/**
 * Trusted documents (docs/api.md): documents named by `documentId` or Apollo's persisted-query
 * hash from the TRUSTED_DOCUMENTS manifest; with TRUSTED_DOCUMENTS_ONLY=true every other
 * document text is refused with 400 DOCUMENT_NOT_TRUSTED before it is parsed (admins excepted);
 * off by default. The example app's own documents are served this way in its Chromium test.
 */
import { PubSub } from 'graphql-subscriptions';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toGlobalId } from '../src/common/ids';
import { loadConfig } from '../src/config/app-config';
import { ADMIN, graphql, JANE, login, makeTestKeys, seedSampleData } from './support/auth-helpers';
import { countEventSubscriptions, type EventSubscriptions } from './support/event-subscriptions';
import { startTestApp, type TestApp } from './support/test-app';
import { subscribe, wsClient, type SubscribeDocument } from './support/ws-client';

const REQUEST_ID = /^[0-9a-f-]{36}$/;
const VIEWER = 'query Viewer { viewer { username } }';
const ORDERS = `query Orders($user: ID!) { listUserOrders(user_id: $user, first: 1) { totalCount } }`;
const ORDER_CREATED = 'subscription OrderCreated { orderCreated { id user_id } }';
const JANE_ID = toGlobalId('User', JANE.id);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let dir: string;
let manifestPath: string;

/** POST /graphql with any body, as Jane unless another token is given. */
async function post(app: TestApp, body: Record<string, unknown>, token?: string) {
  const response = await app.request('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { cookie: `token=${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trusted-documents-'));
  manifestPath = join(dir, 'persisted-documents.json');
  // The format graphql-codegen's client preset writes.
  writeFileSync(
    manifestPath,
    JSON.stringify({
      [`sha256:${sha256(VIEWER)}`]: VIEWER,
      [`sha256:${sha256(ORDERS)}`]: ORDERS,
      [`sha256:${sha256(ORDER_CREATED)}`]: ORDER_CREATED,
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TRUSTED_DOCUMENTS_ONLY=true', () => {
  let app: TestApp;
  let jane: string;
  let admin: string;
  let manifestReads: number;

  beforeAll(async () => {
    const keys = await makeTestKeys();
    const reads = jest.spyOn(fs, 'readFileSync');
    try {
      app = await startTestApp({
        env: { ...keys.env, TRUSTED_DOCUMENTS: manifestPath, TRUSTED_DOCUMENTS_ONLY: 'true' },
      });
      manifestReads = reads.mock.calls.filter(([path]) => path === manifestPath).length;
    } finally {
      reads.mockRestore();
    }
    await seedSampleData(app);
    jane = await login(app, JANE);
    admin = await login(app, ADMIN);
  });
  afterAll(() => app?.close());

  it('reads the manifest once, for HTTP requests and subscriptions alike', () => {
    expect(manifestReads).toBe(1);
  });

  it('serves a manifest document named by documentId, with variables', async () => {
    const viewer = await post(app, { documentId: `sha256:${sha256(VIEWER)}` }, jane);
    expect(viewer).toEqual({ status: 200, body: { data: { viewer: { username: 'jane01' } } } });
    const orders = await post(
      app,
      { documentId: `sha256:${sha256(ORDERS)}`, variables: { user: toGlobalId('User', JANE.id) } },
      jane,
    );
    expect(orders.body).toEqual({ data: { listUserOrders: { totalCount: 2 } } });
  });

  it("serves a manifest document named by Apollo's persisted-query hash", async () => {
    const response = await post(
      app,
      { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(VIEWER) } } },
      jane,
    );
    expect(response).toEqual({ status: 200, body: { data: { viewer: { username: 'jane01' } } } });
  });

  it('refuses free text with 400 DOCUMENT_NOT_TRUSTED and a request id', async () => {
    const response = await post(app, { query: '{ viewer { id username } }' }, jane);
    expect(response.status).toBe(400);
    expect(response.body.data).toBeUndefined();
    expect(response.body.errors).toEqual([
      {
        message: expect.stringContaining('Only trusted documents'),
        extensions: { code: 'DOCUMENT_NOT_TRUSTED', requestId: expect.stringMatching(REQUEST_ID) },
      },
    ]);
  });

  it('refuses before parsing: text that is not GraphQL is DOCUMENT_NOT_TRUSTED, not a parse error', async () => {
    const response = await post(app, { query: '{ viewer { ' }, jane);
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions.code).toBe('DOCUMENT_NOT_TRUSTED');
  });

  it('refuses an automatic persisted query registering new text', async () => {
    const text = '{ viewer { primary_email } }';
    const response = await post(
      app,
      { query: text, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(text) } } },
      jane,
    );
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions.code).toBe('DOCUMENT_NOT_TRUSTED');
    // ... and nothing was registered.
    const again = await post(
      app,
      { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(text) } } },
      jane,
    );
    expect(again.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('answers an unknown id with PERSISTED_QUERY_NOT_FOUND', async () => {
    const response = await post(app, { documentId: `sha256:${'0'.repeat(64)}` }, jane);
    expect(response.body.errors[0].extensions).toMatchObject({
      code: 'PERSISTED_QUERY_NOT_FOUND',
      requestId: expect.stringMatching(REQUEST_ID),
    });
  });

  it('accepts text that is exactly a manifest document', async () => {
    const response = await post(app, { query: VIEWER }, jane);
    expect(response).toEqual({ status: 200, body: { data: { viewer: { username: 'jane01' } } } });
  });

  it('lets an admin send free text (GraphiQL, debugging)', async () => {
    const response = await post(app, { query: '{ viewer { username primary_email } }' }, admin);
    expect(response.status).toBe(200);
    expect(response.body.data.viewer).toEqual({
      username: 'admin01',
      primary_email: 'admin@example.com',
    });
  });

  it('still authenticates first: no token is UNAUTHENTICATED', async () => {
    const response = await post(app, { query: '{ viewer { id } }' });
    expect(response.status).toBe(401);
    expect(response.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  describe('over WebSocket (graphql-ws subscribe messages)', () => {
    const clients: Array<{ dispose(): unknown }> = [];
    let bus: EventSubscriptions;
    let registeredBefore = 0;
    beforeAll(() => {
      bus = countEventSubscriptions(PubSub);
    });
    beforeEach(() => {
      registeredBefore = bus.registered();
    });
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((client) => client.dispose()));
    });
    afterAll(() => bus.restore());

    /** A subscription on a fresh connection, as Jane unless another token is given. */
    const subscribed = async (document: SubscribeDocument, token = jane) => {
      const connection = wsClient(app.url, { token });
      clients.push(connection.client);
      await connection.connected;
      return subscribe(connection.client, document);
    };
    /** An order for Jane, created by the admin (whose free text is accepted). */
    const createOrder = async () => {
      const { body } = await graphql<{ createOrder: { order_id: string } }>(
        app,
        `mutation { createOrder(input: {order_data: {user_id: "${JANE_ID}", order_items: [{item_id: "${toGlobalId('Item', '1HEOx6FnC7cM')}", quantity: 1}]}}) { order_id } }`,
        { token: admin },
      );
      return body.data!.createOrder.order_id;
    };
    const expectEvents = async (...subscriptions: Array<ReturnType<typeof subscribe>>) => {
      // Published only once every subscription is listening (refused ones never are).
      await bus.reach(registeredBefore + subscriptions.length);
      const id = await createOrder();
      for (const subscription of subscriptions) {
        const [event] = await subscription.received(1);
        expect(event).toEqual({ data: { orderCreated: { id, user_id: JANE_ID } } });
      }
    };

    it('refuses a document that is not in the manifest with DOCUMENT_NOT_TRUSTED', async () => {
      for (const text of [
        'subscription { orderCreated { id } }',
        'subscription { orderCreated { ', // refused before it is parsed
      ]) {
        const refused = await subscribed(text);
        await refused.completed;
        expect(refused.results).toEqual([]);
        expect(refused.errors).toEqual([
          {
            message: expect.stringContaining('Only trusted documents'),
            extensions: { code: 'DOCUMENT_NOT_TRUSTED', requestId: expect.any(String) },
          },
        ]);
      }
    });

    it('serves a manifest document named by documentId or by the persisted-query hash, or sent as its exact text', async () => {
      const byId = await subscribed({ query: '', documentId: `sha256:${sha256(ORDER_CREATED)}` });
      const byHash = await subscribed({
        query: '',
        extensions: { persistedQuery: { version: 1, sha256Hash: sha256(ORDER_CREATED) } },
      });
      const byText = await subscribed(ORDER_CREATED);
      await expectEvents(byId, byHash, byText);
      expect([byId, byHash, byText].flatMap((subscription) => subscription.errors)).toEqual([]);
    });

    it('answers an unknown documentId with PERSISTED_QUERY_NOT_FOUND', async () => {
      const unknown = await subscribed({ query: '', documentId: `sha256:${'0'.repeat(64)}` });
      await unknown.completed;
      expect(unknown.errors).toEqual([
        expect.objectContaining({
          extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', requestId: expect.any(String) },
        }),
      ]);
    });

    it('lets an admin send free text', async () => {
      const text = await subscribed(
        `subscription { orderCreated(user_id: "${JANE_ID}") { id user_id } }`,
        admin,
      );
      await expectEvents(text);
    });
  });
});

describe('TRUSTED_DOCUMENTS without _ONLY', () => {
  let app: TestApp;
  let jane: string;

  beforeAll(async () => {
    const keys = await makeTestKeys();
    app = await startTestApp({ env: { ...keys.env, TRUSTED_DOCUMENTS: manifestPath } });
    await seedSampleData(app);
    jane = await login(app, JANE);
  });
  afterAll(() => app?.close());

  it('serves manifest documents by id and free text alike', async () => {
    const byId = await post(app, { documentId: `sha256:${sha256(VIEWER)}` }, jane);
    expect(byId.body).toEqual({ data: { viewer: { username: 'jane01' } } });
    const text = await post(app, { query: '{ viewer { username full_name } }' }, jane);
    expect(text.body).toEqual({ data: { viewer: { username: 'jane01', full_name: 'Jane Doe' } } });
  });
});

describe('by default (no TRUSTED_DOCUMENTS)', () => {
  let app: TestApp;
  let jane: string;

  beforeAll(async () => {
    const keys = await makeTestKeys();
    app = await startTestApp({ env: keys.env });
    await seedSampleData(app);
    jane = await login(app, JANE);
  });
  afterAll(() => app?.close());

  it('serves free text, as legacy clients send it', async () => {
    const response = await post(app, { query: '{ viewer { username } }' }, jane);
    expect(response).toEqual({ status: 200, body: { data: { viewer: { username: 'jane01' } } } });
  });
});

describe('configuration', () => {
  it('refuses TRUSTED_DOCUMENTS_ONLY=true without a manifest, in one line', () => {
    expect(() =>
      loadConfig({ NODE_ENV: 'test', TRUSTED_DOCUMENTS_ONLY: 'true' }, { dotenv: false }),
    ).toThrow('TRUSTED_DOCUMENTS_ONLY=true needs TRUSTED_DOCUMENTS');
  });
});
