import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { PassportModule } from '@nestjs/passport';
import { Test } from '@nestjs/testing';
import { GraphQLError } from 'graphql';
import passport from 'passport';
import { Strategy } from 'passport-strategy';
import type { Viewer } from '../common/viewer';
import type { ViewerContext } from '../graphql/graphql-context';
import { GqlAuthGuard } from './gql-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { TokenRefusal } from './token/token-rules';

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

function context(): ViewerContext {
  return { req: { id: 'req-1', headers: {} } as never, res: {} as never };
}

async function guardWith(
  answer: ConstructorParameters<typeof ScriptedStrategy>[0],
  cached?: Viewer,
) {
  const strategy = new ScriptedStrategy(answer);
  passport.use('jwt', strategy);
  const moduleRef = await Test.createTestingModule({
    imports: [PassportModule],
    providers: [
      GqlAuthGuard,
      {
        provide: JwtStrategy,
        useValue: {
          verifiedFromCache: () => (cached ? { viewer: cached, payload: {}, exp: 0 } : undefined),
        },
      },
    ],
  }).compile();
  return { guard: moduleRef.get(GqlAuthGuard), strategy };
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
  it('puts the viewer passport verified into the GraphQL context', async () => {
    const { guard } = await guardWith(() => ({ viewer: JANE }));
    const ctx = context();
    await expect(guard.authenticate(ctx)).resolves.toEqual(JANE);
    expect(ctx.viewer).toEqual(JANE);
    expect(ctx.req.user).toEqual(JANE);
  });

  it('authenticates a request once: resolvers find the viewer already there', async () => {
    const { guard, strategy } = await guardWith(() => ({ viewer: JANE }));
    const ctx = context();
    await guard.authenticate(ctx);
    const resolverContext = new ExecutionContextHost([{}, {}, ctx, {}]);
    resolverContext.setType('graphql');
    await expect(guard.canActivate(resolverContext)).resolves.toBe(true);
    expect(strategy.seen.calls).toBe(1);
  });

  it("takes a token the strategy verified before from the strategy's cache, without passport", async () => {
    const { guard, strategy } = await guardWith(
      () => ({ refusal: new Error('not reached') }),
      JANE,
    );
    const ctx = context();
    await expect(guard.authenticate(ctx)).resolves.toEqual(JANE);
    expect(ctx.req.user).toEqual(JANE);
    expect(strategy.seen.calls).toBe(0);
  });

  it.each<[TokenRefusal['reason'], RegExp]>([
    ['missing', /Authentication required/],
    ['invalid', /Invalid or expired token/],
    ['conflict', /Conflicting credentials/],
  ])(
    'refuses a %s token with UNAUTHENTICATED, HTTP 401 and the request id',
    async (reason, message) => {
      const { guard } = await guardWith(() => ({ refusal: new TokenRefusal(reason, 'detail') }));
      const ctx = context();
      const error = await refusalOf(guard.authenticate(ctx));
      expect(error.message).toMatch(message);
      expect(error.extensions).toMatchObject({
        code: 'UNAUTHENTICATED',
        http: { status: 401 },
        requestId: 'req-1',
      });
      expect(error.message).not.toContain('detail');
      expect(ctx.viewer).toBeUndefined();
    },
  );

  it('treats any other refusal of passport-jwt (a jsonwebtoken error) as an invalid token', async () => {
    const { guard } = await guardWith(() => ({ refusal: new Error('jwt malformed') }));
    expect((await refusalOf(guard.authenticate(context()))).message).toMatch(/Invalid or expired/);
  });

  it('lets an unexpected error through as it is (never as a 401)', async () => {
    const boom = new Error('key store broke');
    const { guard } = await guardWith(() => ({ error: boom }));
    await expect(guard.authenticate(context())).rejects.toBe(boom);
  });

  it('leaves HTTP routes to their own guards', async () => {
    const { guard, strategy } = await guardWith(() => ({ viewer: JANE }));
    await expect(guard.canActivate(new ExecutionContextHost([{}, {}]))).resolves.toBe(true);
    expect(strategy.seen.calls).toBe(0);
  });
});
