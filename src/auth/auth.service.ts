import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { isDatabaseUnavailable } from '../database/database-errors';
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
import { TokenIssuer, type IssuedToken } from './token/token-issuer';
import type { VerifiedToken } from './jwt.strategy';

/** Too many attempts, or (`unavailable`) the shared counters cannot be read: try again later. */
export type Throttled =
  | { readonly kind: 'rate_limited'; readonly retryAfterSeconds: number }
  | { readonly kind: 'unavailable' };

export type LoginResult =
  | { readonly kind: 'ok'; readonly userId: string; readonly issued: IssuedToken }
  | { readonly kind: 'invalid' }
  | Throttled;

export type SignupResult =
  | { readonly kind: 'ok'; readonly userId: string; readonly issued: IssuedToken }
  | Exclude<CreateUserOutcome, { kind: 'created' }>
  | Throttled;

export interface SignupInput {
  readonly username: string;
  readonly password: string;
  readonly primary_email: string;
  readonly full_name?: string;
  readonly primary_locale?: string;
}

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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    limits: RateLimits,
  ) {
    // Shared by every auth process (MongoDB, or Redis), and refusing while their store is
    // down: a limit that lapsed whenever the store did would invite guessing at those times.
    const shared = { scope: 'shared', whenStoreFails: 'refuse' } as const;
    this.perUsername = limits.define({
      name: 'login_username',
      points: config.auth.loginRateLimit.perUsername,
      ...shared,
    });
    this.perAddress = limits.define({
      name: 'login_address',
      points: config.auth.loginRateLimit.perAddress,
      ...shared,
    });
    this.signupsPerAddress = limits.define({
      name: 'signup_address',
      points: config.auth.signupRateLimitPerAddress,
      ...shared,
    });
  }

  async login(username: unknown, password: unknown, address: string): Promise<LoginResult> {
    const name = typeof username === 'string' ? username.trim().slice(0, 100) : '';
    // Every attempt counts against the address; only failures count against the username,
    // so guessing one account's password is slow while its owner can still sign in.
    const throttled = throttledBy(
      await Promise.all([this.perAddress.hit(address), this.perUsername.check(name.toLowerCase())]),
    );
    if (throttled) return throttled;
    const secret =
      typeof password === 'string' && password.length <= PASSWORD_MAX_LENGTH ? password : '';
    // Unknown user, disabled account and wrong password all cost one argon2 check and answer alike.
    const credential = name ? await this.credentials.findByUsername(name) : undefined;
    const matches = await this.hasher.verify(credential?.password_hash, secret);
    const user =
      credential && matches && !credential.disabled
        ? await this.users.findById(credential._id)
        : undefined;
    if (!user) {
      await this.perUsername.hit(name.toLowerCase());
      return { kind: 'invalid' };
    }
    const issued = await this.issuer.issue({
      userId: user._id,
      locale: user.primary_locale,
      roles: user.roles,
      authTime: now(),
    });
    this.logger.log(`User ${user._id} signed in`);
    return { kind: 'ok', userId: user._id, issued };
  }

  /** A new token for a still-valid session of a still-active account, keeping `auth_time`. */
  async refresh(
    verified: VerifiedToken,
  ): Promise<{ userId: string; issued: IssuedToken } | undefined> {
    const authTime = Number(verified.payload.auth_time ?? verified.payload.iat);
    if (!Number.isFinite(authTime) || now() - authTime >= this.config.auth.sessionMaxAgeSeconds)
      return undefined;
    const userId = verified.viewer.user_id;
    const [credential, user] = await Promise.all([
      this.credentials.findById(userId),
      this.users.findById(userId),
    ]);
    if (!credential || credential.disabled || !user) return undefined;
    const issued = await this.issuer.issue({
      userId,
      locale: user.primary_locale,
      roles: user.roles,
      authTime,
    });
    return { userId, issued };
  }

  passwordProblem(password: unknown): string | undefined {
    if (
      typeof password !== 'string' ||
      password.length < PASSWORD_MIN_LENGTH ||
      password.length > PASSWORD_MAX_LENGTH
    ) {
      return `password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`;
    }
    return undefined;
  }

  async signup(input: SignupInput, address: string): Promise<SignupResult> {
    const throttled = throttledBy([await this.signupsPerAddress.hit(address)]);
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
    const issued = await this.issuer.issue({
      userId: user._id,
      locale: user.primary_locale,
      roles: user.roles,
      authTime: now(),
    });
    return { kind: 'ok', userId: user._id, issued };
  }
}

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

function now(): number {
  return Math.floor(Date.now() / 1000);
}
