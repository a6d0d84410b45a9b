import { Inject, Injectable, UseGuards, type OnModuleInit } from '@nestjs/common';
import { ExternalContextCreator } from '@nestjs/core';
import fastifyCookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import type { IncomingMessage } from 'node:http';
import { GqlAuthGuard } from '../auth/gql-auth.guard';
import type { VerifiedToken } from '../auth/jwt.strategy';
import type { Viewer } from '../common/viewer';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { requestLogFacts } from '../logging/request-context';
import type { GraphQLContext } from '../graphql/graphql-context';
import { graphqlError } from '../graphql/graphql-errors';
import { LoaderRegistry } from '../graphql/loaders';
import type { RateLimit } from '../rate-limits/rate-limit';
import { RateLimits } from '../rate-limits/rate-limits';

function tooManyRequests(seconds: number, requestId: string) {
  return graphqlError('TOO_MANY_REQUESTS', `Too many requests: try again in ${seconds} s`, {
    requestId,
    retryAfter: seconds,
    http: { status: 429, headers: new Map([['retry-after', String(seconds)]]) },
  });
}

/**
 * Builds each request's context. GqlAuthGuard authenticates it first, once, before
 * execution: so an operation that no resolver answers (`{ __typename }`) is refused too.
 */
@Injectable()
export class GraphQLContextFactory implements OnModuleInit {
  private readonly perViewer: RateLimit;
  private readonly perAddress: RateLimit;
  /** Called with a resolver's four arguments (root, args, context, info), as GqlAuthGuard expects. */
  private authenticate!: (...args: [unknown, object, GraphQLContext, unknown]) => Promise<Viewer>;

  constructor(
    private readonly guards: ExternalContextCreator,
    private readonly loaders: LoaderRegistry,
    @Inject(APP_CONFIG) config: AppConfig,
    limits: RateLimits,
  ) {
    // Per viewer, and (more generously) per address, where many viewers may share one (NAT,
    // proxies). In memory unless Redis is configured; a Redis outage lets requests through
    // rather than taking the API down with it.
    const local = { scope: 'local', whenStoreFails: 'allow' } as const;
    const points = config.graphql.rateLimitPerMinute;
    this.perViewer = limits.define({ name: 'graphql_viewer', points, ...local });
    this.perAddress = limits.define({ name: 'graphql_address', points: points * 5, ...local });
  }

  /** `viewerOf` wrapped in its guard the way @nestjs/graphql wraps a resolver (Nest's public API). */
  onModuleInit(): void {
    this.authenticate = this.guards.create(
      this,
      this.viewerOf,
      'viewerOf',
      undefined,
      undefined,
      undefined,
      undefined,
      { guards: true, interceptors: false, filters: false },
      'graphql',
    );
  }

  /** Reached only once GqlAuthGuard has put the token's viewer in `req.user`. */
  @UseGuards(GqlAuthGuard)
  viewerOf(_root: unknown, _args: unknown, context: unknown): Viewer {
    return (context as GraphQLContext).req.user!;
  }

  /**
   * The viewer of a WebSocket connection, by the same guard and strategy as an HTTP request:
   * the upgrade's cookie, or the bearer token the client sent in `connectionParams`.
   * Refusals are the guard's UNAUTHENTICATED error.
   */
  async connectionViewer(
    upgrade: IncomingMessage,
    authorization: string | undefined,
    requestId: string,
  ): Promise<VerifiedToken> {
    const headers = {
      ...upgrade.headers,
      authorization: authorization ?? upgrade.headers.authorization,
    };
    const cookies = upgrade.headers.cookie ? fastifyCookie.parse(upgrade.headers.cookie) : {};
    const req = { headers, cookies, id: requestId, raw: upgrade } as unknown as FastifyRequest;
    await this.authenticate(undefined, {}, { req, requestId } as GraphQLContext, undefined);
    // @nestjs/passport hands the strategy's second result (the verified claims) to req.authInfo.
    return (req as unknown as { authInfo: VerifiedToken }).authInfo;
  }

  /** The viewer of a browser's page request by the same guard; undefined when it is refused. */
  async pageViewer(req: FastifyRequest): Promise<Viewer | undefined> {
    const context = { req, requestId: String(req.id) } as GraphQLContext;
    return this.authenticate(undefined, {}, context, undefined).catch((error: unknown) => {
      if (error instanceof GraphQLError && error.extensions.code === 'UNAUTHENTICATED')
        return undefined;
      throw error;
    });
  }

  async create(req: FastifyRequest, res: FastifyReply): Promise<GraphQLContext> {
    const requestId = String(req.id);
    // Anonymous requests count against their address before the token is even checked.
    const byAddress = await this.perAddress.hit(req.ip);
    if (!byAddress.allowed) throw tooManyRequests(byAddress.retryAfterSeconds, requestId);
    const context = { req, res, loaders: this.loaders.forRequest(), requestId } as GraphQLContext;
    context.viewer = await this.authenticate(undefined, {}, context, undefined);
    requestLogFacts(req.raw).userId = context.viewer.user_id;
    const byViewer = await this.perViewer.hit(context.viewer.user_id);
    if (!byViewer.allowed) throw tooManyRequests(byViewer.retryAfterSeconds, requestId);
    return context;
  }
}
