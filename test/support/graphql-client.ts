import type { TestKeys } from './auth-helpers';
import { signToken } from './auth-helpers';
import { isDbId } from '../../src/common/ids';
import type { TestApp } from './test-app';

export interface GraphQLError {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions?: Record<string, unknown> & { code?: string; requestId?: string };
}

/** A GraphQL answer: its HTTP status, `data` and `errors`. */
export interface GraphQLResult<T = any> {
  readonly status: number;
  readonly data: T | null | undefined;
  readonly errors: readonly GraphQLError[] | undefined;
  readonly headers: Headers;
}

/** Sends requests as one person (or nobody): the token travels in the cookie a browser would send. */
export interface TestClient {
  /** The signed token, for tests that send it another way (bearer header, WebSocket). */
  readonly token: string | undefined;
  graphql<T = any>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>>;
  /** `fetch` relative to the app, with this client's cookie. */
  request(path: string, init?: RequestInit): Promise<Response>;
}

/** Who a token is for: a sample user (`USERS.jane`) or any user id, with optional roles and locale. */
export type TokenSubject =
  string | { readonly id: string; readonly roles?: readonly string[]; readonly locale?: string };

export function clientFor(app: Pick<TestApp, 'url' | 'config'>, token?: string): TestClient {
  const cookie = token ? { cookie: `${app.config.auth.cookie.name}=${token}` } : {};
  const request = (path: string, init: RequestInit = {}) =>
    fetch(`${app.url}${path}`, { ...init, headers: { ...cookie, ...init.headers } });
  return {
    token,
    request,
    async graphql<T>(query: string, variables?: Record<string, unknown>) {
      const response = await request('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: T | null; errors?: GraphQLError[] };
      return {
        status: response.status,
        data: body.data,
        errors: body.errors,
        headers: response.headers,
      };
    },
  };
}

/**
 * A client with a valid token, signed with the app's own test key as the auth
 * endpoint would sign it: no password, no sign-in request. `user` is a user id
 * (no user document needed: the API trusts the token's claims, as in
 * production), `{ id, roles, locale }`, a sample user (`USERS.jane`), or the
 * username of a user in the app's database (`'jane01'`), whose id and roles
 * are looked up.
 */
export async function asUser(
  app: Pick<TestApp, 'url' | 'config' | 'connection'> & { readonly keys: TestKeys },
  user: TokenSubject,
): Promise<TestClient> {
  const subject = typeof user === 'string' ? await subjectNamed(app, user) : user;
  const { id, roles = ['user'], locale = 'en' } = subject;
  const token = await signToken(app.keys, {
    sub: id,
    user_id: id,
    roles: [...roles],
    locale,
    iss: app.config.auth.jwt.issuer,
    aud: app.config.auth.jwt.audience,
  });
  return clientFor(app, token);
}

/** `asUser` by another name: the kit's sign-in without a password. */
export const signInAs = asUser;

/** A database id as is; anything else is a username looked up in the `user` collection. */
async function subjectNamed(
  app: Pick<TestApp, 'connection'>,
  idOrUsername: string,
): Promise<Exclude<TokenSubject, string>> {
  if (isDbId(idOrUsername)) return { id: idOrUsername };
  const found = await app.connection
    .collection<{ _id: string; roles?: string[]; primary_locale?: string }>('user')
    .findOne({ username: idOrUsername });
  if (!found)
    throw new Error(`asUser: no user named ${idOrUsername} (seed the sample data first?)`);
  return {
    id: found._id,
    roles: found.roles?.length ? found.roles : ['user'],
    locale: found.primary_locale,
  };
}

type WithErrors =
  | { readonly errors?: readonly GraphQLError[] }
  | { readonly body: { readonly errors?: readonly GraphQLError[] } };

/** The `extensions.code` of an answer's first error (`FORBIDDEN`, `BAD_USER_INPUT`...), or undefined. */
export function codeOf(result: WithErrors): string | undefined {
  const errors = 'body' in result ? result.body.errors : result.errors;
  return errors?.[0]?.extensions?.code;
}

/** Asserts the answer failed with `code` (docs/api.md's table) and a request id, and returns that error. */
export function expectCode(result: WithErrors, code: string): GraphQLError {
  const errors = 'body' in result ? result.body.errors : result.errors;
  expect(errors?.map((error) => error.extensions?.code)).toEqual([code]);
  expect(errors![0].extensions?.requestId).toEqual(expect.any(String));
  return errors![0];
}
