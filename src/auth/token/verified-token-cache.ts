import { LRUCache } from 'lru-cache';
import type { VerifiedToken } from './token-rules';

const MAX_ENTRIES = 10_000;

/**
 * Verified tokens by their exact text until their `exp`, so a busy client
 * pays for one signature check rather than one per request. Only successes
 * are stored; a token that failed is checked again every time.
 */
export class VerifiedTokenCache {
  // Expiry is checked on read against the token's own `exp`; lru-cache's TTL
  // bookkeeping (a clock read per get) is left off, and the size bound evicts.
  private readonly cache = new LRUCache<string, VerifiedToken>({ max: MAX_ENTRIES });

  /** Lookups answered from the cache, and tokens that needed a signature check (for metrics). */
  hits = 0;
  misses = 0;

  constructor(private readonly enabled = true) {}

  get(token: string): VerifiedToken | undefined {
    if (!this.enabled) return undefined;
    const hit = this.cache.get(token);
    if (hit && hit.exp * 1000 <= Date.now()) {
      this.cache.delete(token);
      return undefined;
    }
    if (hit) this.hits += 1;
    return hit;
  }

  /** Counts a token that is about to be checked by its signature. */
  missed(): void {
    this.misses += 1;
  }

  set(token: string, verified: VerifiedToken): void {
    if (!this.enabled) return;
    if (verified.exp * 1000 > Date.now()) this.cache.set(token, verified);
  }

  get size(): number {
    return this.cache.size;
  }
}
