import { setTimeout as sleep } from 'node:timers/promises';
import { graphql, makeTestKeys, signToken } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

interface RequestLine {
  level: string;
  reqId?: string;
  msg: string;
  userId?: string;
  req?: { id: string; path: string; headers: Record<string, string> };
  graphql?: { operationName?: string; operationType?: string; errorCodes?: string[] };
}

describe('the request line', () => {
  let app: TestApp;
  let token: string;
  const userId = 'a'.repeat(24);

  beforeAll(async () => {
    const keys = await makeTestKeys();
    app = await startTestApp({ captureLogs: true, env: keys.env });
    token = await signToken(keys, { sub: userId });
  });
  afterAll(() => app.close());

  async function lineOf(requestId: string): Promise<RequestLine> {
    await sleep(50);
    const lines = app.logs
      .map((line) => JSON.parse(line) as RequestLine)
      .filter((line) => line.req?.id === requestId);
    expect(lines).toHaveLength(1);
    return lines[0];
  }

  it('names the viewer and the operation of a GraphQL request, and no error code when there is none', async () => {
    await graphql(app, 'query Ping { __typename }', {
      token,
      headers: { 'x-request-id': 'line-ok' },
    });
    const line = await lineOf('line-ok');
    expect(line).toMatchObject({
      level: 'info',
      reqId: 'line-ok',
      userId,
      graphql: { operationName: 'Ping', operationType: 'query' },
      msg: expect.stringMatching(/^POST \/graphql 200 \d+ms$/),
    });
    expect(line.graphql?.errorCodes).toBeUndefined();
    expect(line.req?.headers.cookie).toBe('[Redacted]');
  });

  it('carries the error codes of the response, at warn for a 4xx', async () => {
    await graphql(app, 'query Broken { nope }', {
      token,
      headers: { 'x-request-id': 'line-invalid' },
    });
    expect(await lineOf('line-invalid')).toMatchObject({
      level: 'warn',
      graphql: { errorCodes: ['GRAPHQL_VALIDATION_FAILED'] },
    });
  });

  it('carries UNAUTHENTICATED for a request refused before execution', async () => {
    const response = await graphql(app, '{ __typename }', {
      headers: { 'x-request-id': 'line-anonymous', authorization: 'Bearer not-a-token' },
    });
    expect(response.status).toBe(401);
    const line = await lineOf('line-anonymous');
    expect(line).toMatchObject({ level: 'warn', graphql: { errorCodes: ['UNAUTHENTICATED'] } });
    expect(line.req?.headers.authorization).toBe('[Redacted]');
  });

  it('carries the code of a GraphQL-shaped answer of the HTTP error filter', async () => {
    await app.request('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'line-bad-json' },
      body: '{"query": ',
    });
    expect(await lineOf('line-bad-json')).toMatchObject({
      level: 'warn',
      graphql: { errorCodes: ['BAD_REQUEST'] },
    });
  });
});
