import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import {
  codeOf,
  expectCode,
  isolateEachTest,
  ITEMS,
  KIT_LIMITS,
  ORDERS,
  signInAs,
  startTestApp,
  UNKNOWN_USER_ID,
  USERS,
  type KitApp,
} from './support';

/** The test kit itself (docs/testing.md): each helper does what it says. */
describe('the test kit', () => {
  let app: KitApp;
  beforeAll(async () => {
    app = await startTestApp({ seed: true });
  });
  afterAll(() => app.close());

  it('names the sample data as data/sample-data.yaml has it', () => {
    const sample = parse(
      readFileSync(resolve(__dirname, '..', 'data', 'sample-data.yaml'), 'utf8'),
    );
    expect(
      sample.users.map((u: any) => ({
        id: u._id,
        username: u.username,
        password: u.dev_password,
        roles: u.roles,
      })),
    ).toEqual(
      Object.values(USERS).map(({ id, username, password, roles }) => ({
        id,
        username,
        password,
        roles,
      })),
    );
    expect(sample.items.map((i: any) => ({ id: i._id, desc: i.desc }))).toEqual(
      Object.values(ITEMS).map(({ id, desc }) => ({ id, desc })),
    );
    expect(sample.orders.map((o: any) => ({ id: o._id, userId: o.user_id }))).toEqual(
      Object.values(ORDERS).map(({ id, userId }) => ({ id, userId })),
    );
  });

  it('acts as a sample user without a password', async () => {
    const jane = await app.asUser(USERS.jane);
    const { status, data } = await jane.graphql('{ viewer { id username } }');
    expect(status).toBe(200);
    expect(data.viewer).toEqual({ id: USERS.jane.globalId, username: 'jane01' });
  });

  it('signs a token for any user id, with the roles asked for', async () => {
    const nobody = await app.asUser(UNKNOWN_USER_ID);
    expect((await nobody.graphql('{ viewer { id } }')).data).toEqual({ viewer: null });
    const admin = await app.asUser({ id: UNKNOWN_USER_ID, roles: ['user', 'admin'] });
    const orders = await admin.graphql(
      'query ($u: ID!) { listUserOrders(user_id: $u) { totalCount } }',
      {
        u: USERS.jane.globalId,
      },
    );
    expect(orders.data.listUserOrders.totalCount).toBe(2);
  });

  it('signs in by username, the same without a password, or through the auth endpoint with one', async () => {
    const jane = await app.asUser('jane01');
    expect((await jane.graphql('{ viewer { username } }')).data.viewer.username).toBe('jane01');
    const admin = await signInAs(app, 'admin01');
    const orders = await admin.graphql(
      'query ($u: ID!) { listUserOrders(user_id: $u) { totalCount } }',
      { u: USERS.jane.globalId },
    );
    expect(orders.data.listUserOrders.totalCount).toBe(2);
    await expect(app.asUser('nobody99')).rejects.toThrow('no user named nobody99');
    const john = await app.logIn(USERS.john);
    expect((await john.graphql('{ viewer { username } }')).data.viewer.username).toBe('john01');
  });

  it('reads and asserts error codes with their request id', async () => {
    const anonymous = await app.anonymous().graphql('{ viewer { id } }');
    expect(anonymous.status).toBe(401);
    expect(codeOf(anonymous)).toBe('UNAUTHENTICATED');
    const jane = await app.asUser(USERS.jane);
    const johns = await jane.graphql(
      'query ($u: ID!) { listUserOrders(user_id: $u) { totalCount } }',
      {
        u: USERS.john.globalId,
      },
    );
    expect(expectCode(johns, 'FORBIDDEN').message).toMatch(/orders/);
    expect(() => expectCode(johns, 'NOT_FOUND')).toThrow();
  });

  it('counts the database commands a request sends', async () => {
    const jane = await app.asUser(USERS.jane);
    const { result, commands } = await app.countCommands(() =>
      jane.graphql('query ($id: ID!) { node(id: $id) { id } }', { id: ITEMS.food.globalId }),
    );
    expect(result.data.node).toEqual({ id: ITEMS.food.globalId });
    expect(commands).toEqual(['find item']);
  });

  it('raises the harness limits, each in KIT_LIMITS with its reason', () => {
    expect(app.config.auth.loginRateLimit.perAddress).toBe(
      Number(KIT_LIMITS.LOGIN_RATE_LIMIT_PER_ADDRESS),
    );
    expect(app.config.graphql.rateLimitPerMinute).toBe(
      Number(KIT_LIMITS.GRAPHQL_RATE_LIMIT_PER_MINUTE),
    );
  });

  describe('with a database reset before each test', () => {
    isolateEachTest(() => app);
    const createUser = async (username: string) => {
      const admin = await app.asUser(USERS.admin);
      const { data } = await admin.graphql(
        'mutation ($u: UserInput) { createUser(input: { user_data: $u }) { completionObj { msg_id } } }',
        { u: { username, primary_email: `${username}@example.com` } },
      );
      return data.createUser.completionObj.msg_id;
    };

    it('a test writes a user', async () => {
      expect(await createUser('isolated.one')).toBe('001');
    });

    it('the next test starts from the sample data again', async () => {
      expect(await createUser('isolated.one')).toBe('001');
      expect(await app.connection.collection('user').countDocuments()).toBe(4);
    });
  });
});

describe('files that start the built service', () => {
  const testDir = __dirname;
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? entry.name === 'support'
          ? []
          : files(join(dir, entry.name))
        : /-spec\.ts$/.test(entry.name)
          ? [join(dir, entry.name)]
          : [],
    );

  it('build dist/ in a hook (buildDistBeforeAll), not inside their first test', () => {
    const starters = files(testDir).filter((file) =>
      /\b(startServiceProcess|seedByProcess|runBuiltScript)\(/.test(readFileSync(file, 'utf8')),
    );
    expect(starters.length).toBeGreaterThan(0);
    const withoutHook = starters.filter(
      (file) => !/^buildDistBeforeAll\(\);$/m.test(readFileSync(file, 'utf8')),
    );
    expect(withoutHook.map((file) => relative(testDir, file))).toEqual([]);
  });
});
