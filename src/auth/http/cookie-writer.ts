import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import type { IssuedRefreshToken } from '../sessions/sessions.service';
import type { IssuedToken } from '../token/token-issuer';

/** The refresh token's cookie. `__Host-` is impossible with its path, which keeps it off every other request. */
export const REFRESH_COOKIE = 'refresh';
const REFRESH_PATH = '/auth';

/** Sets and clears the access and refresh cookies with the attributes of docs/auth.md. */
@Injectable()
export class CookieWriter {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  set(reply: FastifyReply, issued: IssuedToken, refresh?: IssuedRefreshToken): void {
    this.write(reply, this.config.auth.cookie.name, issued.token, issued.maxAge);
    if (refresh) this.write(reply, REFRESH_COOKIE, refresh.token, refresh.maxAge, REFRESH_PATH);
  }

  clear(reply: FastifyReply): void {
    this.write(reply, this.config.auth.cookie.name, '', 0);
    this.write(reply, REFRESH_COOKIE, '', 0, REFRESH_PATH);
  }

  private write(reply: FastifyReply, name: string, value: string, maxAge: number, path = '/') {
    const { cookie } = this.config.auth;
    void reply.setCookie(name, value, {
      httpOnly: true,
      secure: cookie.secure,
      sameSite: cookie.sameSite,
      path,
      domain: cookie.domain,
      maxAge,
    });
    void reply.header('cache-control', 'no-store');
  }
}
