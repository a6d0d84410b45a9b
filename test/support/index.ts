/**
 * The test kit: everything an e2e file needs, from one import (docs/testing.md).
 *
 *   const app = await startTestApp({ seed: true });
 *   const jane = await app.asUser('jane01');
 *   expect((await jane.graphql('{ viewer { username } }')).data.viewer.username).toBe('jane01');
 */
export { KIT_LIMITS, logIn, startTestApp, type KitApp, type KitAppOptions } from './kit-app';
export {
  asUser,
  signInAs,
  clientFor,
  codeOf,
  expectCode,
  type GraphQLError,
  type GraphQLResult,
  type TestClient,
  type TokenSubject,
} from './graphql-client';
export { ITEMS, ORDERS, UNKNOWN_USER_ID, USERS } from './fixtures';
export { countCommands } from './command-counter';
export {
  rawSocket,
  subscribe,
  wsClient,
  type Closed,
  type SocketOptions,
  type Subscription,
} from './ws-client';
export { isolateEachTest, resetDatabase, seedSampleData, type ResetOptions } from './isolation';
export { makeTestKeys, signToken, type TestKeys } from './auth-helpers';
export { buildDistBeforeAll, ensureDistBuilt } from './dist-build';
export { waitFor } from './wait-for';
export type { TestApp, TestAppOptions } from './test-app';
