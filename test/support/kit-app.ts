import { loginJson, makeTestKeys, tokenCookie, type TestKeys } from './auth-helpers';
import { countCommands } from './command-counter';
import { asUser, clientFor, type TestClient, type TokenSubject } from './graphql-client';
import { resetDatabase, seedSampleData, type ResetOptions } from './isolation';
import { startTestApp as startBareTestApp, type TestApp, type TestAppOptions } from './test-app';

/**
 * Limits every kit app raises, each for a reason of the test harness, not of
 * the code under test. A test of a limit sets its own value in `env`, which wins.
 */
export const KIT_LIMITS: Readonly<Record<string, string>> = {
  // Every request of a test comes from 127.0.0.1: all sign-ins and sign-ups of a
  // file would share one address's budget (30 and 10 in production).
  LOGIN_RATE_LIMIT_PER_ADDRESS: '1000',
  SIGNUP_RATE_LIMIT_PER_ADDRESS: '1000',
  // A file signs the same sample user in more than 5 times within the window.
  LOGIN_RATE_LIMIT_PER_USERNAME: '1000',
  // A file sends hundreds of operations a minute as one viewer (600 in production).
  GRAPHQL_RATE_LIMIT_PER_MINUTE: '100000',
};

export interface KitAppOptions extends TestAppOptions {
  /** Load the sample data (test/support/fixtures.ts) before returning; default false. */
  readonly seed?: boolean;
}

/** A test app with the kit's keys and limits, and helpers to act on it. */
export interface KitApp extends TestApp {
  /** The key pair the app verifies tokens with; `asUser` signs with it. */
  readonly keys: TestKeys;
  /** A client with a valid token for any user id, a sample user or a username: no password (see asUser). */
  asUser(user: TokenSubject): Promise<TestClient>;
  /** A client without a token. */
  anonymous(): TestClient;
  /** Signs a user in through POST /auth/login with their password: for tests of signing in itself. */
  logIn(user: { readonly username: string; readonly password: string }): Promise<TestClient>;
  /** Loads the sample data. */
  seed(): Promise<void>;
  /** Empties the database and (unless `{ seed: false }`) reloads the sample data. */
  reset(options?: ResetOptions): Promise<void>;
  /** The database commands `work` sent (see test/support/command-counter.ts). */
  countCommands<T>(work: () => Promise<T>): Promise<{ result: T; commands: string[] }>;
}

/**
 * Starts the whole application in this process (no `dist/` build), on a fresh
 * database of its own, with a test key pair and the kit's limits.
 */
export async function startTestApp(options: KitAppOptions = {}): Promise<KitApp> {
  const keys = await makeTestKeys();
  const bare = await startBareTestApp({
    ...options,
    env: { ...KIT_LIMITS, ...keys.env, ...options.env },
  });
  const app: KitApp = {
    ...bare,
    keys,
    asUser: (user) => asUser(app, user),
    anonymous: () => clientFor(bare),
    logIn: (user) => logIn(app, user),
    seed: () => seedSampleData(bare),
    reset: (resetOptions) => resetDatabase(bare, resetOptions),
    countCommands: (work) => countCommands(bare.connection, work),
  };
  if (options.seed) await app.seed();
  return app;
}

/** A client signed in through the auth endpoint with a password (for tests of signing in itself). */
export async function logIn(
  app: Pick<TestApp, 'url' | 'config' | 'request'>,
  user: { readonly username: string; readonly password: string },
): Promise<TestClient> {
  const response = await loginJson(app as TestApp, user.username, user.password);
  const token = tokenCookie(response, app.config.auth.cookie.name)?.value;
  if (response.status !== 200 || !token)
    throw new Error(
      `signing in as ${user.username} failed: ${response.status} ${await response.text()}`,
    );
  return clientFor(app, token);
}
