import { LRUCache } from 'lru-cache';

export interface RateDecision {
  readonly allowed: boolean;
  /** Seconds until the window resets (for Retry-After). */
  readonly retryAfterSeconds: number;
}

/**
 * Fixed-window counters per key, in this process's memory (bounded). Behind a
 * load balancer each auth process counts on its own; a shared store would be
 * needed for exact global limits.
 */
export class RateLimiter {
  private readonly windows: LRUCache<string, { count: number; resetAt: number }>;

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    maxKeys = 50_000,
  ) {
    // Each window carries its own reset time (checked on every hit), so lru-cache's TTL
    // bookkeeping, a clock read per lookup on the GraphQL hot path, is left off.
    this.windows = new LRUCache({ max: maxKeys });
  }

  /** Counts one event and says whether it is within the limit. */
  hit(key: string, now = Date.now()): RateDecision {
    const window = this.window(key, now);
    window.count += 1;
    return this.decision(window, window.count <= this.limit, now);
  }

  /** Whether one more event would be within the limit, without counting it. */
  check(key: string, now = Date.now()): RateDecision {
    const window = this.window(key, now);
    return this.decision(window, window.count < this.limit, now);
  }

  private window(key: string, now: number): { count: number; resetAt: number } {
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    return window;
  }

  private decision(window: { resetAt: number }, allowed: boolean, now: number): RateDecision {
    return { allowed, retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)) };
  }
}
