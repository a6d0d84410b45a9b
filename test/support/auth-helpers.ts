import { SignJWT, type JWTPayload, type JWTHeaderParameters } from 'jose';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { generatePemKeyPair, parseSigningKey } from '../../src/auth/keys/key-material';
import type { JwtAlgorithm } from '../../src/config/environment';
import { SampleDataSeeder } from '../../src/seed/sample-data.seeder';
import type { TestApp } from './test-app';

export const JANE = { id: '1E4Yo11Y3r9a', username: 'jane01', password: 'jane01-dev-password' };
export const JOHN = { id: '1Eg6d1aFL8s7', username: 'john01', password: 'john01-dev-password' };
export const ADMIN = { id: '1Adm1nUs3r01', username: 'admin01', password: 'admin01-dev-password' };

/** A key pair for a test app, with env variables that make the app use it. */
export interface TestKeys {
  readonly alg: JwtAlgorithm;
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly privatePem: string;
  readonly publicPem: string;
  readonly env: Record<string, string>;
}

export async function makeTestKeys(alg: JwtAlgorithm = 'ES256'): Promise<TestKeys> {
  const pair = generatePemKeyPair(alg);
  const signing = await parseSigningKey(pair.privateKey, alg);
  return {
    alg,
    kid: signing.kid,
    privateKey: createPrivateKey(pair.privateKey),
    privatePem: pair.privateKey,
    publicPem: pair.publicKey,
    env: {
      JWT_ALG: alg,
      JWT_PRIV_KEY_B64: Buffer.from(pair.privateKey).toString('base64'),
      JWT_PUB_KEY_B64: Buffer.from(pair.publicKey).toString('base64'),
    },
  };
}

export const ISSUER = 'user-order-auth';
export const AUDIENCE = 'user-order-api';

/** Signs arbitrary claims and header with a key: the raw material of the attack tests. */
export async function signToken(
  keys: Pick<TestKeys, 'alg' | 'kid' | 'privateKey'>,
  claims: JWTPayload = {},
  header: Partial<JWTHeaderParameters> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: JANE.id,
    user_id: JANE.id,
    locale: 'en',
    roles: ['user'],
    iat: now,
    exp: now + 900,
    auth_time: now,
    ...claims,
  };
  for (const [key, value] of Object.entries(payload)) if (value === undefined) delete payload[key];
  return new SignJWT(payload)
    .setProtectedHeader({
      alg: keys.alg,
      kid: keys.kid,
      typ: 'JWT',
      ...header,
    } as JWTHeaderParameters)
    .sign(keys.privateKey);
}

export async function seedSampleData(app: TestApp): Promise<void> {
  await app.app.get(SampleDataSeeder).seed();
}

/** The `Set-Cookie` header for the token cookie, parsed into attributes. */
export function tokenCookie(
  response: Response,
  name = 'token',
): { value: string; attributes: Record<string, string | true> } | undefined {
  const header = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`));
  if (!header) return undefined;
  const [pair, ...attrs] = header.split(';').map((part) => part.trim());
  const attributes: Record<string, string | true> = {};
  for (const attr of attrs) {
    const [key, ...rest] = attr.split('=');
    attributes[key.toLowerCase()] = rest.length ? rest.join('=') : true;
  }
  return { value: pair.slice(name.length + 1), attributes };
}

export async function loginJson(
  app: TestApp,
  username: string,
  password: string,
): Promise<Response> {
  return app.request('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
}

/** POST /auth/signup with a JSON body. */
export async function signupJson(app: TestApp, body: Record<string, string>): Promise<Response> {
  return app.request('/auth/signup', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/**
 * The JSON error body every answer outside /graphql carries (docs/api.md):
 * the status, the code, the message and the request id of `response`.
 */
export function errorBody(
  response: Response,
  statusCode: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { statusCode, code, message, ...extra, requestId: response.headers.get('x-request-id') };
}

/** Signs in and returns the token (from the access cookie, `__Host-token` in production). */
export async function login(
  app: TestApp,
  user: { username: string; password: string } = JANE,
): Promise<string> {
  const response = await loginJson(app, user.username, user.password);
  if (response.status !== 200)
    throw new Error(`login failed: ${response.status} ${await response.text()}`);
  return tokenCookie(response, app.config.auth.cookie.name)!.value;
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: {
    data?: T | null;
    errors?: { message: string; extensions?: Record<string, unknown>; path?: unknown[] }[];
  };
}

/**
 * POSTs a GraphQL operation, with the token as the app's access cookie (`token`
 * for a bare URL) unless `bearer` says otherwise.
 */
export async function graphql<T = Record<string, unknown>>(
  baseUrl: string | TestApp,
  query: string,
  options: {
    token?: string;
    bearer?: string;
    variables?: Record<string, unknown>;
    path?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<GraphQLResponse<T>> {
  const url = typeof baseUrl === 'string' ? baseUrl : baseUrl.url;
  const cookieName = typeof baseUrl === 'string' ? 'token' : baseUrl.config.auth.cookie.name;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...options.headers,
  };
  if (options.token) headers.cookie = `${cookieName}=${options.token}`;
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  const response = await fetch(`${url}${options.path ?? '/graphql'}`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables: options.variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse<T>['body'] };
}

export function decodeJwtPart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}
