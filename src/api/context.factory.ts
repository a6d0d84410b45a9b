import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GqlAuthGuard } from '../auth/gql-auth.guard';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { requestLogFacts } from '../logging/request-context';
import type { GraphQLContext } from '../graphql/graphql-context';
import { graphqlError } from '../graphql/graphql-errors';
import { LoaderRegistry } from '../graphql/loaders';
import type { RateLimit } from '../rate-limits/rate-limit';
import { RateLimits } from '../rate-limits/rate-limits';

function tooManyRequests(retryAfterSeconds: number, requestId: string) {
  return graphqlError(
    'TOO_MANY_REQUESTS',
    `Too many requests: try again in ${retryAfterSeconds} s`,
    {
      requestId,
      retryAfter: retryAfterSeconds,
      http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) },
    },
  );
}

/** Builds each request's context and authenticates it (GqlAuthGuard) before any resolver runs. */
@Injectable()
export class GraphQLContextFactory {
  private readonly perViewer: RateLimit;
  private readonly perAddress: RateLimit;

  constructor(
    private readonly authGuard: GqlAuthGuard,
    private readonly loaders: LoaderRegistry,
    @Inject(APP_CONFIG) config: AppConfig,
    limits: RateLimits,
  ) {
    // Per viewer, and (more generously) per address, where many viewers may share one (NAT,
    // proxies). In memory unless Redis is configured; a Redis outage lets requests through
    // rather than taking the API down with it.
    const local = { scope: 'local', whenStoreFails: 'allow' } as const;
    this.perViewer = limits.define({
      name: 'graphql_viewer',
      points: config.graphql.rateLimitPerMinute,
      ...local,
    });
    this.perAddress = limits.define({
      name: 'graphql_address',
      points: config.graphql.rateLimitPerMinute * 5,
      ...local,
    });
  }

  async create(req: FastifyRequest, res: FastifyReply): Promise<GraphQLContext> {
    const requestId = String(req.id);
    // Anonymous requests count against their address before the token is even checked.
    const byAddress = await this.perAddress.hit(req.ip);
    if (!byAddress.allowed) throw tooManyRequests(byAddress.retryAfterSeconds, requestId);
    // `viewer` is filled in by the guard just below; a request it refuses never gets further.
    const context = { req, res, loaders: this.loaders.forRequest(), requestId } as GraphQLContext;
    const viewer = await this.authGuard.authenticate(context);
    requestLogFacts(req.raw).userId = viewer.user_id;
    const byViewer = await this.perViewer.hit(viewer.user_id);
    if (!byViewer.allowed) throw tooManyRequests(byViewer.retryAfterSeconds, requestId);
    return context;
  }
}
