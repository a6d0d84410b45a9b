import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Viewer } from '../auth/viewer';
import { ViewerAuthenticator } from '../auth/viewer-authenticator';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { apiError } from '../common/errors';
import { requestLogFacts } from '../logging/request-context';
import type { GraphQLContext } from './graphql-context';
import { LoadersFactory } from './loaders.factory';

const REFUSALS = {
  missing: 'Authentication required: sign in first',
  invalid: 'Invalid or expired token: sign in again',
  conflict:
    'Conflicting credentials: the cookie and the Authorization header carry different tokens',
} as const;

/** Authenticates the request before any resolver runs, then builds its context. */
@Injectable()
export class GraphQLContextFactory {
  private readonly fixedViewer: Viewer | undefined;

  constructor(
    private readonly authenticator: ViewerAuthenticator,
    private readonly loaders: LoadersFactory,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const fixed = config.auth.insecureFixedViewer;
    this.fixedViewer = fixed ? { user_id: fixed, locale: 'en', roles: ['user'] } : undefined;
  }

  async create(req: FastifyRequest, res: FastifyReply): Promise<GraphQLContext> {
    const requestId = String(req.id);
    if (this.fixedViewer)
      return { req, res, viewer: this.fixedViewer, loaders: this.loaders.create(), requestId };
    const result = await this.authenticator.authenticate(req.raw);
    if (!result.ok) throw apiError('UNAUTHENTICATED', REFUSALS[result.reason], { requestId });
    const viewer = result.verified.viewer;
    requestLogFacts(req.raw).userId = viewer.user_id;
    return { req, res, viewer, loaders: this.loaders.create(), requestId };
  }
}
