import type { Logger } from '@nestjs/common';
import type { Connection } from 'mongoose';

export const RATE_LIMIT_COLLECTION = 'rate_limits';

const SWEEP_INTERVAL_MS = 60_000;

/**
 * The collection rate-limiter-flexible keeps shared counters in. Its indexes
 * are built here rather than by the library, because FerretDB 1.24 refuses
 * TTL indexes (`expireAfterSeconds` is not implemented): there, expired
 * counters are deleted by a sweep once a minute instead, and the refusal is
 * one informational line, not an error on every start.
 */
export class MongoCounterCollection {
  private sweeper: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly connection: Connection,
    private readonly logger: Logger,
  ) {}

  async prepare(): Promise<void> {
    const collection = this.connection.collection(RATE_LIMIT_COLLECTION);
    try {
      await collection.createIndex({ key: 1 }, { unique: true });
      await collection.createIndex({ expire: 1 }, { expireAfterSeconds: 0 });
    } catch (error) {
      if (this.stopped) return;
      const message = (error as Error).message;
      if (/expireAfterSeconds.*not implemented/i.test(message)) {
        this.logger.log(
          'This database has no TTL indexes (FerretDB): expired rate-limit counters are deleted once a minute',
        );
      } else {
        this.logger.warn(
          `Building the rate-limit counters' indexes failed (${message}); expired counters are deleted once a minute`,
        );
      }
      this.startSweeping();
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
  }

  /** Deletes expired counters; several processes doing it at once is harmless. */
  async sweep(now = new Date()): Promise<number> {
    const result = await this.connection
      .collection(RATE_LIMIT_COLLECTION)
      .deleteMany({ expire: { $lte: now } });
    return result.deletedCount;
  }

  private startSweeping(): void {
    if (this.stopped || this.sweeper) return;
    this.sweeper = setInterval(() => {
      this.sweep().catch((error: Error) =>
        this.logger.debug(`Deleting expired rate-limit counters failed: ${error.message}`),
      );
    }, SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }
}
