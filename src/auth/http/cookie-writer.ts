import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import type { IssuedToken } from '../token/token-issuer';

/** Sets and clears the token cookie with the attributes of docs/auth.md. */
@Injectable()
export class CookieWriter {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  set(reply: FastifyReply, issued: IssuedToken): void {
    this.write(reply, issued.token, issued.maxAge);
  }

  clear(reply: FastifyReply): void {
    this.write(reply, '', 0);
  }

  private write(reply: FastifyReply, value: string, maxAge: number): void {
    const { cookie } = this.config.auth;
    void reply.setCookie(cookie.name, value, {
      httpOnly: true,
      secure: cookie.secure,
      sameSite: cookie.sameSite,
      path: '/',
      domain: cookie.domain,
      maxAge,
    });
    void reply.header('cache-control', 'no-store');
  }
}
