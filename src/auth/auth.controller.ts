import {
  Body,
  Controller,
  Get,
  Header,
  Inject,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ServiceUnavailableError } from '../common/errors';
import { httpErrorBody } from '../common/http/error-body';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AuthService, type Client, type SignupResult, type Throttled } from './auth.service';
import { CookieWriter, REFRESH_COOKIE } from './http/cookie-writer';
import { CrossSiteGuard } from './http/cross-site.guard';
import { loginPage, signupPage, type LoginForm } from './http/pages';
import { safeReturnTo } from './http/return-to';
import { unauthorized } from './http/unauthorized';
import { OptionalAccessToken } from './sessions/optional-access-token.guard';
import { SessionsService } from './sessions/sessions.service';
import type { IssuedToken } from './token/token-issuer';
import type { VerifiedToken } from './jwt.strategy';

type Fields = Record<string, unknown>;

const GENERIC_LOGIN_ERROR = 'Invalid username or password';

function wantsJson(req: FastifyRequest): boolean {
  return String(req.headers['content-type'] ?? '').startsWith('application/json');
}

function clientOf(req: FastifyRequest): Client {
  return { address: req.ip, userAgent: req.headers['user-agent'] };
}

function str(fields: Fields | undefined, name: string): string | undefined {
  const value = fields?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** The auth endpoint: sign in, sign out, renew, sign up (docs/auth.md). */
@Controller('auth')
@UseGuards(CrossSiteGuard)
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly cookies: CookieWriter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('login')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  loginForm(@Query('return_to') returnTo: unknown): string {
    return this.signInPage({ returnTo: this.returnTo(returnTo) });
  }

  @Post('login')
  async login(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: Fields | undefined,
  ): Promise<void> {
    const json = wantsJson(req);
    const returnTo = this.returnTo(str(body, 'return_to'));
    const result = await this.auth.login(body?.username, body?.password, clientOf(req));
    if (result.kind === 'ok') {
      this.cookies.set(reply, result.issued, result.refresh);
      if (json) return void reply.status(200).send(this.tokenBody(result.userId, result.issued));
      return void reply.status(303).header('location', returnTo).send();
    }
    const { status, message } =
      result.kind === 'invalid'
        ? { status: 401, message: GENERIC_LOGIN_ERROR }
        : this.throttled(reply, result, 'sign-in');
    if (json) return void reply.status(status).send(httpErrorBody(status, message, req.id));
    void reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .send(this.signInPage({ returnTo, error: message, username: str(body, 'username') }));
  }

  /**
   * Ends the current session (the one of the refresh token, else of the access
   * token) everywhere; `{"scope":"all"}` ends every session of its user.
   */
  @Post('logout')
  @UseGuards(OptionalAccessToken)
  async logout(
    @Req() req: FastifyRequest & { authInfo?: VerifiedToken },
    @Res() reply: FastifyReply,
    @Body() body: Fields | undefined,
  ): Promise<void> {
    const refreshToken = str(body, 'refresh_token') ?? req.cookies?.[REFRESH_COOKIE];
    const session =
      (await this.sessions.ownerOf(refreshToken)) ??
      (req.authInfo
        ? { sid: req.authInfo.payload.sid, userId: req.authInfo.viewer.user_id }
        : undefined);
    if (session && body?.scope === 'all')
      await this.sessions.revokeAll(session.userId, { cutOff: true });
    else if (typeof session?.sid === 'string') await this.sessions.revoke(session.sid);
    this.cookies.clear(reply);
    if (wantsJson(req) || String(req.headers.accept ?? '').includes('application/json'))
      return void reply.status(204).send();
    void reply.status(303).header('location', '/auth/login').send();
  }

  /**
   * A new access token and a new refresh token for a live refresh token: the
   * refresh cookie, or `refresh_token` in a JSON body (clients without
   * cookies, who then get the new one in the answer). The access token may be
   * expired or absent.
   */
  @Post('refresh')
  async refresh(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: Fields | undefined,
  ): Promise<void> {
    const fromBody = str(body, 'refresh_token');
    const token = fromBody ?? (req.cookies?.[REFRESH_COOKIE] || undefined);
    const result = await this.auth.refresh(token);
    if (result.kind !== 'ok') {
      if (token !== undefined && fromBody === undefined) this.cookies.clear(reply);
      throw unauthorized(reply, result.reason, token !== undefined);
    }
    this.cookies.set(reply, result.issued, fromBody === undefined ? result.refresh : undefined);
    void reply.status(200).send({
      ...this.tokenBody(result.userId, result.issued),
      ...(fromBody === undefined ? {} : { refresh_token: result.refresh.token }),
    });
  }

  /**
   * The same for a browser navigation (an API server sends a browser here when
   * its access cookie is gone): back to `return_to` with new cookies, or to
   * the login page without a live session.
   */
  @Get('refresh')
  async refreshNavigation(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('return_to') returnTo: unknown,
  ): Promise<void> {
    const target = this.returnTo(returnTo);
    const token = req.cookies?.[REFRESH_COOKIE] || undefined;
    const result = await this.auth.refresh(token);
    void reply.header('cache-control', 'no-store');
    if (result.kind !== 'ok') {
      if (token !== undefined) this.cookies.clear(reply);
      return void reply
        .status(303)
        .header('location', `/auth/login?return_to=${encodeURIComponent(target)}`)
        .send();
    }
    this.cookies.set(reply, result.issued, result.refresh);
    void reply.status(303).header('location', target).send();
  }

  @Get('signup')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  signupForm(@Query('return_to') returnTo: unknown): string {
    return signupPage({ returnTo: this.returnTo(returnTo) });
  }

  @Post('signup')
  async signup(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: Fields | undefined,
  ): Promise<void> {
    const json = wantsJson(req);
    const returnTo = this.returnTo(str(body, 'return_to'));
    const result: SignupResult = await this.auth.signup(
      {
        username: str(body, 'username') ?? '',
        password: str(body, 'password') ?? '',
        primary_email: str(body, 'primary_email') ?? '',
        full_name: str(body, 'full_name'),
        primary_locale: str(body, 'primary_locale'),
      },
      clientOf(req),
    );
    if (result.kind === 'ok') {
      this.cookies.set(reply, result.issued, result.refresh);
      if (json) return void reply.status(201).send(this.tokenBody(result.userId, result.issued));
      return void reply.status(303).header('location', returnTo).send();
    }
    const conflict = result.kind === 'username_taken' || result.kind === 'email_taken';
    const { status, message } =
      result.kind === 'rate_limited' || result.kind === 'unavailable'
        ? this.throttled(reply, result, 'sign-up')
        : {
            status: conflict ? 409 : result.kind === 'invalid' ? 400 : 500,
            message: result.kind === 'failed' ? 'Sign-up failed, please try again' : result.msg,
          };
    if (json)
      return void reply
        .status(status)
        .send(httpErrorBody(status, message, req.id, conflict ? { msg_id: result.msgId } : {}));
    void reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .send(
        signupPage({
          returnTo,
          error: message,
          values: {
            username: str(body, 'username'),
            primary_email: str(body, 'primary_email'),
            full_name: str(body, 'full_name'),
          },
        }),
      );
  }

  /**
   * 429 with Retry-After for too many attempts; while the shared counters cannot be read,
   * the service's usual 503 SERVICE_UNAVAILABLE (HttpErrorFilter), never a free pass.
   */
  private throttled(
    reply: FastifyReply,
    result: Throttled,
    action: 'sign-in' | 'sign-up',
  ): { status: number; message: string } {
    if (result.kind === 'unavailable')
      throw new ServiceUnavailableError(`Rate-limit counters unavailable: ${action} refused`);
    void reply.header('retry-after', String(result.retryAfterSeconds));
    return { status: 429, message: `Too many ${action} attempts. Try again in a minute.` };
  }

  /** The sign-in form; it names the sample accounts (development passwords) only where they are seeded. */
  private signInPage(form: LoginForm): string {
    const sampleAccountsHint = !this.config.isProduction && this.config.database.seedSampleData;
    return loginPage({ ...form, sampleAccountsHint });
  }

  private returnTo(value: unknown): string {
    return safeReturnTo(value, this.config.auth.returnToOrigins);
  }

  private tokenBody(userId: string, issued: IssuedToken) {
    return { user_id: userId, expires_at: issued.expiresAt.toISOString() };
  }
}
