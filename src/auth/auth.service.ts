import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { isDatabaseUnavailable } from '../database/database-errors';
import type { NewUser } from '../users/user.model';
import { UsersRepository } from '../users/users.repository';
import { USER_OUTCOMES, UsersService, type CreateUserOutcome } from '../users/users.service';
import { CredentialsRepository } from './credentials/credentials.repository';
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  PasswordHasher,
} from './credentials/password-hasher';
import type { RateDecision, RateLimit } from '../rate-limits/rate-limit';
import { RateLimits } from '../rate-limits/rate-limits';
import {
  SessionsService,
  type IssuedRefreshToken,
  type Rotation,
} from './sessions/sessions.service';
import { TokenIssuer, type IssuedToken } from './token/token-issuer';
import { isAdmin, type Viewer } from '../common/viewer';

/** Too many attempts, or (`unavailable`) the shared counters cannot be read: try again later. */
export type Throttled =
  | { readonly kind: 'rate_limited'; readonly retryAfterSeconds: number }
  | { readonly kind: 'unavailable' };

/** A signed-in session: its access token and its refresh token. */
export interface SignedIn {
  readonly kind: 'ok';
  readonly userId: string;
  readonly issued: IssuedToken;
  readonly refresh: IssuedRefreshToken;
}

export type LoginResult = SignedIn | { readonly kind: 'invalid' } | Throttled;

export type SignupResult = SignedIn | Exclude<CreateUserOutcome, { kind: 'created' }> | Throttled;

export type RefreshResult = SignedIn | Extract<Rotation, { kind: 'refused' }>;

export type PasswordChangeResult =
  | { readonly kind: 'changed' }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'bad_password'; readonly msg: string }
  | Throttled;

/** Who is asking, for the rate limits and the session list. */
export interface Client {
  readonly address: string;
  readonly userAgent?: string;
}

export type SignupInput = Pick<
  NewUser,
  'username' | 'primary_email' | 'full_name' | 'primary_locale'
> & { readonly password: string };

/** Passwords in, tokens out: the auth endpoint's rules (docs/auth.md). */
@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');
  private readonly perUsername: RateLimit;
  private readonly perAddress: RateLimit;
  private readonly signupsPerAddress: RateLimit;

  constructor(
    private readonly credentials: CredentialsRepository,
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly issuer: TokenIssuer,
    private readonly sessions: SessionsService,
    @Inject(APP_CONFIG) config: AppConfig,
    limits: RateLimits,
  ) {
    // Shared by every auth process (MongoDB, or Redis), and refusing while their store is
    // down: a limit that lapsed whenever the store did would invite guessing at those times.
    const shared = (name: string, points: number) =>
      limits.define({ name, points, scope: 'shared', whenStoreFails: 'refuse' });
    this.perUsername = shared('login_username', config.auth.loginRateLimit.perUsername);
    this.perAddress = shared('login_address', config.auth.loginRateLimit.perAddress);
    this.signupsPerAddress = shared('signup_address', config.auth.signupRateLimitPerAddress);
  }

  async login(username: unknown, password: unknown, client: Client): Promise<LoginResult> {
    const name = typeof username === 'string' ? username.trim().slice(0, 100) : '';
    const key = name.toLowerCase();
    // Every attempt counts against the address; only failures count against the username,
    // so guessing one account's password is slow while its owner can still sign in.
    const throttled = throttledBy(
      await Promise.all([this.perAddress.hit(client.address), this.perUsername.check(key)]),
    );
    if (throttled) return throttled;
    // Unknown user, disabled account and wrong password all cost one argon2 check and answer alike.
    const credential = name ? await this.credentials.findByUsername(name) : undefined;
    const matches = await this.hasher.verify(credential?.password_hash, password);
    const user =
      credential && matches && !credential.disabled
        ? await this.users.findById(credential._id)
        : undefined;
    if (!user) {
      await this.perUsername.hit(key);
      return { kind: 'invalid' };
    }
    const signedIn = await this.signIn(user, client.userAgent);
    this.logger.log(`User ${user._id} signed in`);
    return signedIn;
  }

  /**
   * A new access token and a new refresh token for a live refresh token of a
   * still-active account; the session keeps its `sid` and `auth_time`.
   */
  async refresh(refreshToken: unknown): Promise<RefreshResult> {
    const rotation = await this.sessions.rotate(refreshToken);
    if (rotation.kind !== 'ok') return rotation;
    const { session, refresh } = rotation;
    const [credential, user] = await Promise.all([
      this.credentials.findById(session.user_id),
      this.users.findById(session.user_id),
    ]);
    if (!credential || credential.disabled || !user) {
      await this.sessions.revoke(session._id);
      return { kind: 'refused', reason: 'revoked' };
    }
    return this.signedIn(user, session.auth_time, session._id, refresh);
  }

  /**
   * A new password for the signed-in user, who proves the current one (rate-limited
   * like sign-in); every other session of the user is revoked.
   */
  async changePassword(
    viewer: Viewer,
    currentSid: string,
    input: { current: unknown; next: unknown },
    address: string,
  ): Promise<PasswordChangeResult> {
    const credential = await this.credentials.findById(viewer.user_id);
    const key = credential?.username.toLowerCase() ?? viewer.user_id;
    const throttled = throttledBy(
      await Promise.all([this.perAddress.hit(address), this.perUsername.check(key)]),
    );
    if (throttled) return throttled;
    if (!credential || !(await this.hasher.verify(credential.password_hash, input.current))) {
      await this.perUsername.hit(key);
      return { kind: 'invalid' };
    }
    const problem = this.passwordProblem(input.next);
    if (problem) return { kind: 'bad_password', msg: problem };
    await this.credentials.setPasswordHash(
      viewer.user_id,
      await this.hasher.hash(input.next as string),
    );
    const revoked = await this.sessions.revokeAll(viewer.user_id, { keep: currentSid });
    this.logger.log(
      `User ${viewer.user_id} changed their password; ${revoked} other session(s) revoked`,
    );
    return { kind: 'changed' };
  }

  /** An admin disables (every session revoked, no sign-in or refresh) or enables an account. */
  async setAccountDisabled(
    admin: Viewer,
    userId: string,
    disabled: boolean,
  ): Promise<'done' | 'forbidden' | 'not_found'> {
    if (!isAdmin(admin)) return 'forbidden';
    if (!(await this.credentials.findById(userId))) return 'not_found';
    await this.credentials.setDisabled(userId, disabled);
    if (disabled) await this.sessions.revokeAll(userId, { cutOff: true });
    this.logger.log(`User ${userId} ${disabled ? 'disabled' : 'enabled'} by ${admin.user_id}`);
    return 'done';
  }

  private passwordProblem(password: unknown): string | undefined {
    const length = typeof password === 'string' ? password.length : 0;
    if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH)
      return `password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`;
    return undefined;
  }

  async signup(input: SignupInput, client: Client): Promise<SignupResult> {
    const throttled = throttledBy([await this.signupsPerAddress.hit(client.address)]);
    if (throttled) return throttled;
    const passwordProblem = this.passwordProblem(input.password);
    if (passwordProblem) return USER_OUTCOMES.invalid(passwordProblem);
    const outcome = await this.usersService.create({
      username: input.username,
      primary_email: input.primary_email,
      full_name: input.full_name || undefined,
      primary_locale: input.primary_locale || undefined,
    });
    if (outcome.kind !== 'created') return outcome;
    const user = outcome.user;
    try {
      await this.credentials.create({
        _id: user._id,
        username: user.username,
        password_hash: await this.hasher.hash(input.password),
      });
    } catch (error) {
      // No profile without a way to sign in: undo the half that was written.
      await this.users.deleteById(user._id).catch(() => undefined);
      if (isDatabaseUnavailable(error)) throw error;
      this.logger.error(
        `Creating the credential of ${user._id} failed: ${(error as Error).message}`,
      );
      return USER_OUTCOMES.failed;
    }
    return this.signIn(user, client.userAgent);
  }

  /** A new session and its first tokens. */
  private async signIn(user: TokenUser, userAgent: string | undefined): Promise<SignedIn> {
    const authTime = Math.floor(Date.now() / 1000);
    const { sid, refresh } = await this.sessions.start(user._id, userAgent, authTime);
    return this.signedIn(user, authTime, sid, refresh);
  }

  private async signedIn(
    user: TokenUser,
    authTime: number,
    sid: string,
    refresh: IssuedRefreshToken,
  ): Promise<SignedIn> {
    const { _id: userId, primary_locale: locale, roles } = user;
    const issued = await this.issuer.issue({ userId, locale, roles, authTime, sid });
    return { kind: 'ok', userId, issued, refresh };
  }
}

type TokenUser = { _id: string; primary_locale: string; roles: Viewer['roles'] };

/** Refused when any limit refuses: unavailable if a store did not answer, else for as long as the longest refusal. */
function throttledBy(decisions: readonly RateDecision[]): Throttled | undefined {
  const refusing = decisions.filter((decision) => !decision.allowed);
  if (refusing.length === 0) return undefined;
  if (refusing.some((decision) => decision.storeUnavailable)) return { kind: 'unavailable' };
  return {
    kind: 'rate_limited',
    retryAfterSeconds: Math.max(...refusing.map((decision) => decision.retryAfterSeconds)),
  };
}
