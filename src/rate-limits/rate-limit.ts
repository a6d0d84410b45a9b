import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface RateDecision {
  readonly allowed: boolean;
  /** Seconds until another attempt may succeed (for Retry-After). */
  readonly retryAfterSeconds: number;
  /** The limit's store did not answer and this limit refuses until it does. */
  readonly storeUnavailable?: boolean;
}

/** What a limit does while its store (MongoDB, Redis) does not answer. */
export type WhenStoreFails = 'allow' | 'refuse';

/** How a limit reports refusals and store failures (metrics, the once-a-minute log line). */
export interface RateLimitReporter {
  refused(limit: string): void;
  storeFailed(limit: string, whenStoreFails: WhenStoreFails, error: unknown): void;
}

/** How long a client is asked to wait while a store that refuses on failure is down. */
const STORE_DOWN_RETRY_SECONDS = 5;

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * A fixed-window limit of events per key (an address, a username, a viewer), on one of
 * rate-limiter-flexible's limiters (memory, MongoDB or Redis).
 */
export class RateLimit {
  constructor(
    readonly name: string,
    private readonly limiter: RateLimiterAbstract,
    private readonly whenStoreFails: WhenStoreFails,
    private readonly reporter: RateLimitReporter,
  ) {}

  /** Counts one event and says whether it is within the limit. */
  async hit(key: string): Promise<RateDecision> {
    try {
      const counted = await this.limiter.consume(key);
      return { allowed: true, retryAfterSeconds: seconds(counted.msBeforeNext) };
    } catch (outcome) {
      // rate-limiter-flexible rejects with the counter's state when over the limit,
      // and with an Error when its store failed.
      if (outcome instanceof RateLimiterRes) return this.refused(outcome);
      return this.storeFailed(outcome);
    }
  }

  /** Whether one more event would be within the limit, without counting it. */
  async check(key: string): Promise<RateDecision> {
    try {
      const counted = await this.limiter.get(key);
      if (counted && counted.consumedPoints >= this.limiter.points) return this.refused(counted);
      return { allowed: true, retryAfterSeconds: seconds(counted?.msBeforeNext ?? 0) };
    } catch (error) {
      return this.storeFailed(error);
    }
  }

  private refused(counted: RateLimiterRes): RateDecision {
    this.reporter.refused(this.name);
    return { allowed: false, retryAfterSeconds: seconds(counted.msBeforeNext) };
  }

  private storeFailed(error: unknown): RateDecision {
    this.reporter.storeFailed(this.name, this.whenStoreFails, error);
    return this.whenStoreFails === 'allow'
      ? { allowed: true, retryAfterSeconds: 1 }
      : { allowed: false, retryAfterSeconds: STORE_DOWN_RETRY_SECONDS, storeUnavailable: true };
  }
}
