import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';

/** argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane). */
const OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19 * 1024,
  timeCost: 2,
  parallelism: 1,
} as const;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

@Injectable()
export class PasswordHasher {
  /** Checked against when the user is unknown, so both cases cost one argon2 verification. */
  private readonly decoy: Promise<string> = argon2.hash('decoy password, never valid', OPTIONS);

  hash(password: string): Promise<string> {
    return argon2.hash(password, OPTIONS);
  }

  /** A non-string or over-long password is checked as empty, and fails like a wrong one. */
  async verify(hash: string | undefined, password: unknown): Promise<boolean> {
    const checked = typeof password === 'string' && password.length <= PASSWORD_MAX_LENGTH;
    try {
      const ok = await argon2.verify(hash ?? (await this.decoy), checked ? password : '');
      return hash !== undefined && ok;
    } catch {
      return false;
    }
  }
}
