import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Viewer } from '../auth/viewer';
import { ViewerAuthenticator } from '../auth/viewer-authenticator';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { apiError } from '../common/errors';
import { RateLimiter } from '../auth/http/rate-limiter';
import { requestLogFacts } from '../logging/request-context';
import type { GraphQLContext } from './graphql-context';
import { LoadersFactory } from './loaders.factory';

const REFUSALS = {
  missing: 'Authentication required: sign in first',
  invalid: 'Invalid or expired token: sign in again',
  conflict:
    'Conflicting credentials: the cookie and the Authorization header carry different tokens',
} as const;

function tooManyRequests(retryAfterSeconds: number, requestId: string) {
  return apiError('TOO_MANY_REQUESTS', `Too many requests: try again in ${retryAfterSeconds} s`, {
    requestId,
    retryAfter: retryAfterSeconds,
    http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) },
  });
}

/** Authenticates the request before any resolver runs, then builds its context. */
@Injectable()
export class GraphQLContextFactory {
  private readonly fixedViewer: Viewer | undefined;
  private readonly perViewer: RateLimiter;
  private readonly perAddress: RateLimiter;

  constructor(
    private readonly authenticator: ViewerAuthenticator,
    private readonly loaders: LoadersFactory,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    // Per viewer, and (more generously) per address, where many viewers may share one (NAT, proxies).
    this.perViewer = new RateLimiter(config.graphql.rateLimitPerMinute);
    this.perAddress = new RateLimiter(config.graphql.rateLimitPerMinute * 5);
    const fixed = config.auth.insecureFixedViewer;
    this.fixedViewer = fixed ? { user_id: fixed, locale: 'en', roles: ['user'] } : undefined;
  }

  async create(req: FastifyRequest, res: FastifyReply): Promise<GraphQLContext> {
    const requestId = String(req.id);
    // Anonymous requests count against their address before the token is even checked.
    const byAddress = this.perAddress.hit(req.ip);
    if (!byAddress.allowed) throw tooManyRequests(byAddress.retryAfterSeconds, requestId);
    if (this.fixedViewer)
      return { req, res, viewer: this.fixedViewer, loaders: this.loaders.create(), requestId };
    const result = await this.authenticator.authenticate(req.raw);
    if (!result.ok) throw apiError('UNAUTHENTICATED', REFUSALS[result.reason], { requestId });
    const viewer = result.verified.viewer;
    requestLogFacts(req.raw).userId = viewer.user_id;
    const byViewer = this.perViewer.hit(viewer.user_id);
    if (!byViewer.allowed) throw tooManyRequests(byViewer.retryAfterSeconds, requestId);
    return { req, res, viewer, loaders: this.loaders.create(), requestId };
  }
}
