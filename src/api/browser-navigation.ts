import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { requestedUrl } from '../common/http/legacy-graph-path';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { UsersRepository } from '../users/users.repository';
import { GraphQLContextFactory } from './context.factory';

type GraphiqlModule = typeof import('../graphiql/graphiql-assets');

/**
 * A browser opening /graphql without a valid token goes to the auth endpoint's refresh (the
 * refresh cookie is only sent to /auth), which renews a live session or shows the login page;
 * with one, it gets GraphiQL where that is on. An `onRequest` hook of the app factory.
 */
@Injectable()
export class BrowserNavigation implements OnModuleInit {
  constructor(
    private readonly users: UsersRepository,
    private readonly contexts: GraphQLContextFactory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** GraphiQL's page and assets, loaded only when it is on (off in production by default). */
  private ui: GraphiqlModule | undefined;
  private assets: ReturnType<GraphiqlModule['loadGraphiqlAssets']> | undefined;

  onModuleInit(): void {
    this.ui = this.config.graphql.graphiql
      ? // eslint-disable-next-line @typescript-eslint/no-require-imports -- on demand, CommonJS as the build
        require('../graphiql/graphiql-assets')
      : undefined;
    this.assets = this.ui?.loadGraphiqlAssets();
  }

  /** Every request passes here, almost none is a browser's: a synchronous check first. */
  onRequest(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const asset = this.assetFor(request);
    if (asset)
      return void reply
        .header('content-type', asset.type)
        .header('cache-control', 'public, max-age=3600')
        .send(asset.body);
    if (!isBrowserNavigationToGraphQL(request)) return done();
    this.navigate(request, reply).then((answered) => (answered ? undefined : done()), done);
  }

  /** The GraphiQL asset the request asks for, if it asks for one that exists. */
  private assetFor(request: FastifyRequest) {
    const prefix = this.ui?.GRAPHIQL_ASSET_PREFIX;
    if (!prefix || request.method !== 'GET' || !request.url.startsWith(prefix)) return undefined;
    return this.assets?.get(request.url.slice(prefix.length).split('?')[0]);
  }

  /** The refresh redirect or GraphiQL; false when the request goes on to Apollo. */
  private async navigate(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const viewer = await this.contexts.pageViewer(request);
    if (!viewer) {
      await reply
        .status(302)
        .header('location', this.refreshUrl(request))
        .header('cache-control', 'no-store')
        .send();
      return true;
    }
    if (!this.ui) return false;
    const user = await this.users.findById(viewer.user_id).catch(() => undefined);
    await reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(this.ui.graphiqlPage(user?.username ?? viewer.user_id));
    return true;
  }

  private refreshUrl(request: FastifyRequest): string {
    const asked = requestedUrl(request.raw);
    const authUrl = this.config.auth.url;
    // A separate auth server needs an absolute address to send the browser back to.
    const returnTo = authUrl ? `${request.protocol}://${request.host}${asked}` : asked;
    return `${authUrl ?? ''}/auth/refresh?return_to=${encodeURIComponent(returnTo)}`;
  }
}

function isBrowserNavigationToGraphQL({ method, url, headers }: FastifyRequest): boolean {
  const path = url.split('?')[0];
  return (
    method === 'GET' && path === '/graphql' && String(headers.accept ?? '').includes('text/html')
  );
}
