import { BulkDataGenerator } from '../src/seed/bulk-generator';
import { graphql, login, makeTestKeys, seedSampleData } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

interface PageResult {
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount: number | null;
}

const PAGE = `query ($first: Int, $after: String, $last: Int, $before: String, $orderBy: [OrderBy]) {
  listUsers(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

describe('Relay keyset paging over a few hundred users', () => {
  let app: TestApp;
  let token: string;
  let total: number;

  const page = async (variables: Record<string, unknown>) => {
    const { body } = await graphql<{ listUsers: PageResult }>(app, PAGE, { token, variables });
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data!.listUsers;
  };

  beforeAll(async () => {
    const keys = await makeTestKeys();
    app = await startTestApp({ env: keys.env });
    await seedSampleData(app);
    await app.app.get(BulkDataGenerator).generate({ users: 297, orders: 0, items: 1, seed: 7 });
    total = 300;
    token = await login(app);
  });
  afterAll(() => app.close());

  const ORDERS: [string, Record<string, string>[]][] = [
    ['by id (no orderBy)', []],
    ['full_name ASC', [{ field: 'full_name' }]],
    ['full_name DESC', [{ field: 'full_name', direction: 'DESC' }]],
    ['username DESC', [{ field: 'username', direction: 'DESC' }]],
    [
      'primary_locale ASC then full_name DESC',
      [{ field: 'primary_locale' }, { field: 'full_name', direction: 'DESC' }],
    ],
    ['created_at ASC', [{ field: 'created_at' }]],
  ];

  it.each(ORDERS)(
    'walks forwards and backwards %s, visiting every user once, in the same order',
    async (_name, orderBy) => {
      const forward: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const result: PageResult = await page({ first: 37, after, orderBy });
        forward.push(...result.edges.map((e) => e.node.id));
        expect(result.pageInfo.hasPreviousPage).toBe(after !== null);
        pages += 1;
        if (!result.pageInfo.hasNextPage) break;
        expect(result.edges).toHaveLength(37);
        after = result.pageInfo.endCursor;
      }
      expect(pages).toBe(Math.ceil(total / 37));
      expect(forward).toHaveLength(total);
      expect(new Set(forward).size).toBe(total);

      const backward: string[] = [];
      let before: string | null = null;
      for (;;) {
        const result: PageResult = await page({ last: 41, before, orderBy });
        backward.unshift(...result.edges.map((e) => e.node.id));
        expect(result.pageInfo.hasNextPage).toBe(before !== null);
        if (!result.pageInfo.hasPreviousPage) break;
        before = result.pageInfo.startCursor;
      }
      expect(backward).toEqual(forward);
    },
  );

  it('gives an empty page for first: 0, with null cursors', async () => {
    const result = await page({ first: 0 });
    expect(result.edges).toEqual([]);
    expect(result.pageInfo.startCursor).toBeNull();
    expect(result.pageInfo.endCursor).toBeNull();
  });

  it('uses a default page size of 20', async () => {
    expect((await page({})).edges).toHaveLength(20);
  });

  it.each([
    ['first over the maximum', { first: 101 }],
    ['a negative first', { first: -1 }],
    ['a negative last', { last: -5 }],
    ['a garbage cursor', { after: 'not-a-cursor' }],
    ['a cursor of another sort order', { orderBy: [{ field: 'username' }] }],
  ])('refuses %s with BAD_USER_INPUT', async (name, variables) => {
    let vars: Record<string, unknown> = variables;
    if (name.includes('another sort')) {
      const cursor = (await page({ first: 1, orderBy: [{ field: 'full_name' }] })).pageInfo
        .endCursor;
      vars = { ...variables, after: cursor };
    }
    const { body } = await graphql(app, PAGE, { token, variables: vars });
    expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a sort on an undocumented field', async () => {
    const { body } = await graphql(app, PAGE, {
      token,
      variables: { orderBy: [{ field: 'primary_email' }] },
    });
    expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0].message).toMatch(
      /sortable fields are full_name, username, primary_locale, created_at/,
    );
  });

  it('counts totalCount only when asked', async () => {
    const { body } = await graphql<{ listUsers: PageResult }>(
      app,
      '{ listUsers(first: 1) { totalCount } }',
      { token },
    );
    expect(body.data!.listUsers.totalCount).toBe(total);
  });
});
