import type { ExecutionContext } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { Test } from '@nestjs/testing';
import { GraphQLError } from 'graphql';
import passport from 'passport';
import { Strategy } from 'passport-strategy';
import type { Viewer } from '../common/viewer';
import type { GraphQLContext } from '../graphql/graphql-context';
import { GqlAuthGuard } from './gql-auth.guard';
import { TokenRefusal } from './token-refusal';

const JANE: Viewer = { user_id: '1E4Yo11Y3r9a', locale: 'en', roles: ['user'] };

/** Stands in for the 'jwt' strategy: the guard's job is what it does with passport's answer. */
class ScriptedStrategy extends Strategy {
  // passport runs each request on Object.create(strategy): count on a shared object.
  readonly seen = { calls: 0 };
  constructor(
    private readonly answer: () => { viewer?: Viewer; refusal?: unknown; error?: Error },
  ) {
    super();
  }
  override authenticate(): void {
    this.seen.calls += 1;
    const { viewer, refusal, error } = this.answer();
    if (error) return this.error(error);
    if (viewer) return this.success(viewer, { verified: true });
    this.fail(refusal, 401);
  }
}

function context(): GraphQLContext {
  return { req: { id: 'req-1', headers: {} }, res: {} } as GraphQLContext;
}

/** What Nest hands a guard around a GraphQL resolver: (root, args, context, info). */
function resolverCall(graphqlContext: GraphQLContext): ExecutionContext {
  const args = [undefined, {}, graphqlContext, undefined];
  return {
    getType: () => 'graphql',
    getArgs: () => args,
    getArgByIndex: (index: number) => args[index],
    getClass: () => Object,
    getHandler: () => resolverCall,
    switchToHttp: () => ({ getRequest: () => args[0], getResponse: () => args[1] }),
  } as unknown as ExecutionContext;
}

async function guardWith(answer: ConstructorParameters<typeof ScriptedStrategy>[0]) {
  const strategy = new ScriptedStrategy(answer);
  passport.use('jwt', strategy);
  const moduleRef = await Test.createTestingModule({
    imports: [PassportModule],
    providers: [GqlAuthGuard],
  }).compile();
  const guard = moduleRef.get(GqlAuthGuard);
  const authenticate = (ctx: GraphQLContext) =>
    guard.canActivate(resolverCall(ctx)) as Promise<boolean>;
  return { authenticate, strategy };
}

async function refusalOf(promise: Promise<unknown>): Promise<GraphQLError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GraphQLError);
  return error as GraphQLError;
}

describe('GqlAuthGuard', () => {
  it("puts the viewer passport verified into the GraphQL context's request", async () => {
    const { authenticate, strategy } = await guardWith(() => ({ viewer: JANE }));
    const ctx = context();
    await expect(authenticate(ctx)).resolves.toBe(true);
    expect(ctx.req.user).toEqual(JANE);
    expect(strategy.seen.calls).toBe(1);
  });

  it.each<[TokenRefusal['reason'], RegExp]>([
    ['missing', /Authentication required/],
    ['expired', /Token expired/],
    ['invalid', /Invalid token/],
    ['revoked', /Session ended/],
    ['conflict', /Conflicting credentials/],
  ])(
    'refuses a %s token with UNAUTHENTICATED, HTTP 401, its reason and the request id',
    async (reason, message) => {
      const { authenticate } = await guardWith(() => ({
        refusal: new TokenRefusal(reason, 'detail'),
      }));
      const ctx = context();
      const error = await refusalOf(authenticate(ctx));
      expect(error.message).toMatch(message);
      expect(error.extensions).toMatchObject({
        code: 'UNAUTHENTICATED',
        reason,
        http: { status: 401 },
        requestId: 'req-1',
      });
      // RFC 6750: the challenge names the token as the problem only when one was sent.
      const headers = (error.extensions.http as { headers?: Map<string, string> }).headers;
      expect(headers?.get('www-authenticate')).toBe(
        reason === 'missing' ? undefined : 'Bearer error="invalid_token"',
      );
      expect(error.message).not.toContain('detail');
      expect(ctx.req.user).toBeUndefined();
    },
  );

  it("names an expired token by jsonwebtoken's error, and any other refusal of passport-jwt invalid", async () => {
    const expired = Object.assign(new Error('jwt expired'), { name: 'TokenExpiredError' });
    const { authenticate } = await guardWith(() => ({ refusal: expired }));
    expect((await refusalOf(authenticate(context()))).extensions.reason).toBe('expired');
    const other = await guardWith(() => ({ refusal: new Error('jwt malformed') }));
    expect((await refusalOf(other.authenticate(context()))).extensions.reason).toBe('invalid');
  });

  it('lets an unexpected error through as it is (never as a 401)', async () => {
    const boom = new Error('key store broke');
    const { authenticate } = await guardWith(() => ({ error: boom }));
    await expect(authenticate(context())).rejects.toBe(boom);
  });
});
