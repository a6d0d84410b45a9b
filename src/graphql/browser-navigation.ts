import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requestedUrl } from '../app.factory';
import { ViewerAuthenticator } from '../auth/viewer-authenticator';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

/**
 * A person opening /graph or /graphql in a browser (GET, Accept: text/html)
 * without a valid token is sent to the login page, which sends them back.
 */
@Injectable()
export class BrowserNavigation implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: ViewerAuthenticator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', async (request, reply) => {
      if (!isBrowserNavigationToGraphQL(request)) return;
      const result = await this.authenticator.authenticate(request.raw);
      if (result.ok) return;
      await reply
        .status(302)
        .header('location', this.loginUrl(request))
        .header('cache-control', 'no-store')
        .send();
    });
  }

  private loginUrl(request: FastifyRequest): string {
    const asked = requestedUrl(request.raw);
    const authUrl = this.config.auth.url;
    // A separate auth server needs an absolute address to send the browser back to.
    const returnTo = authUrl ? `${request.protocol}://${request.host}${asked}` : asked;
    return `${authUrl ?? ''}/auth/login?return_to=${encodeURIComponent(returnTo)}`;
  }
}

function isBrowserNavigationToGraphQL(request: FastifyRequest): boolean {
  if (request.method !== 'GET') return false;
  const path = request.url.split('?')[0];
  if (path !== '/graphql') return false;
  const accept = String(request.headers.accept ?? '');
  return accept.includes('text/html');
}
