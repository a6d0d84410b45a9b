import type { CommandFailedEvent, CommandStartedEvent } from 'mongodb';
import { graphql, login, makeTestKeys, seedSampleData } from './support/auth-helpers';
import { startTestApp, testDatabaseUri, uniqueDatabaseName } from './support/test-app';

const poolMaximum = async (url: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  return /^mongodb_pool_max_connections (\d+)$/m.exec(text)?.[1];
};

describe('the connection pool size comes from the URI', () => {
  it('?maxPoolSize=7 is the pool the driver gets and the metric reports; without it, 50', async () => {
    const keys = await makeTestKeys();
    const name = uniqueDatabaseName();
    const sized = await startTestApp({
      mongodbUri: `${testDatabaseUri(name)}?maxPoolSize=7`,
      env: keys.env,
    });
    try {
      expect(sized.connection.getClient().options.maxPoolSize).toBe(7);
      expect(await poolMaximum(sized.url)).toBe('7');
    } finally {
      await sized.connection.dropDatabase();
      await sized.close();
    }
    const plain = await startTestApp({ env: keys.env });
    try {
      expect(await poolMaximum(plain.url)).toBe('50');
    } finally {
      await plain.close();
    }
  });
});

describe('every query carries maxTimeMS = DB_TIMEOUT, and the database stops one that runs past it', () => {
  const USERS = 40_000;

  it('a slow listUsers is cut by the database (MaxTimeMSExpired) and answered SERVICE_UNAVAILABLE; a quick one passes', async () => {
    const keys = await makeTestKeys();
    const app = await startTestApp({ env: { ...keys.env, DB_TIMEOUT: '300ms' } });
    const started: CommandStartedEvent[] = [];
    const failed: CommandFailedEvent[] = [];
    const client = app.connection.getClient();
    const onStarted = (event: CommandStartedEvent) => started.push(event);
    const onFailed = (event: CommandFailedEvent) => failed.push(event);
    try {
      await seedSampleData(app);
      const token = await login(app);
      client.on('commandStarted', onStarted);
      client.on('commandFailed', onFailed);

      // Quick: the viewer by id. Its find carries the limit all the same.
      const quick = await graphql(app, '{ viewer { username } }', { token });
      expect(quick.body.data).toEqual({ viewer: { username: 'jane01' } });
      const finds = started.filter((event) => event.commandName === 'find');
      expect(finds.length).toBeGreaterThan(0);
      for (const find of finds) expect(find.command.maxTimeMS).toBe(300);

      // Slow: FerretDB scans and sorts the whole collection for a page ordered by a field,
      // which takes seconds over this many users (MongoDB would walk an index instead).
      const users = app.connection.collection('user');
      for (let start = 0; start < USERS; start += 5_000) {
        await users.insertMany(
          Array.from({ length: 5_000 }, (_, i) => ({
            _id: `slow${String(start + i).padStart(8, '0')}`,
            username: `slow.user.${start + i}`,
            primary_email: `slow.user.${start + i}@example.com`,
            primary_locale: 'en',
            full_name: `Slow User ${((start + i) * 7919) % USERS}`,
          })) as never[],
        );
      }
      started.length = 0;
      const slow = await graphql(
        app,
        '{ listUsers(first: 5, orderBy: [{ field: "full_name" }]) { edges { node { id } } } }',
        { token },
      );
      expect(slow.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(JSON.stringify(slow.body)).not.toMatch(/MaxTimeMS|Mongo|exceeded time limit/i);
      // Code 50 (MaxTimeMSExpired) is the database saying it stopped the query itself.
      const cut = failed.filter((event) => (event.failure as { code?: number }).code === 50);
      expect(cut.length).toBeGreaterThan(0);
      expect(started.find((event) => event.requestId === cut[0].requestId)?.command.maxTimeMS).toBe(
        300,
      );
    } finally {
      client.off('commandStarted', onStarted);
      client.off('commandFailed', onFailed);
      await app.close();
    }
  }, 120_000);
});
