import type { Role } from '../../users/user.schema';

/** The claims this service puts in a token (docs/auth.md). */
export interface TokenClaims {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  /** Same as `sub`: the name old servers read. */
  readonly user_id: string;
  readonly locale: string;
  readonly roles: readonly Role[];
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  /** When the password login that started this session happened (seconds). */
  readonly auth_time: number;
}

export const MAX_TOKEN_BYTES = 8 * 1024;
