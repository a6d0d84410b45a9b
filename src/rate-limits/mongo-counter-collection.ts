import type { Logger } from '@nestjs/common';
import type { Connection } from 'mongoose';

export const RATE_LIMIT_COLLECTION = 'rate_limits';
/** The counters' indexes: one counter per key, and expiry where the database has TTL indexes. */
export const RATE_LIMIT_INDEXES = {
  key: { key: { key: 1 }, unique: true },
  expiry: { key: { expire: 1 }, expireAfterSeconds: 0 },
} as const;

const SWEEP_INTERVAL_MS = 60_000;

/**
 * The collection of rate-limiter-flexible's shared counters. Its indexes are built here (outside
 * production) rather than by the library because FerretDB refuses TTL indexes: there, expired
 * counters are swept once a minute instead, with one informational line.
 */
export class MongoCounterCollection {
  private sweeper: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly connection: Connection,
    private readonly logger: Logger,
  ) {}

  async prepare(): Promise<void> {
    // Mongoose's autoIndex, off in production: there the indexes are the migrations' job.
    if (this.connection.get('autoIndex') === false) return this.sweepUnlessExpiring();
    const collection = this.connection.collection(RATE_LIMIT_COLLECTION);
    try {
      const { key, expiry } = RATE_LIMIT_INDEXES;
      await collection.createIndex(key.key, { unique: key.unique });
      await collection.createIndex(expiry.key, { expireAfterSeconds: expiry.expireAfterSeconds });
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

  /** Without building anything: sweeps when the database has no expiry index on the counters. */
  private async sweepUnlessExpiring(): Promise<void> {
    const indexes = await this.connection
      .collection(RATE_LIMIT_COLLECTION)
      .listIndexes()
      .toArray()
      .catch(() => []);
    if (this.stopped || indexes.some((index) => index.expireAfterSeconds !== undefined)) return;
    this.logger.log(
      'The rate-limit counters have no TTL index: expired counters are deleted once a minute',
    );
    this.startSweeping();
  }

  stop(): void {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
  }

  /** Deletes expired counters; several processes doing it at once is harmless. */
  async sweep(): Promise<number> {
    const result = await this.connection
      .collection(RATE_LIMIT_COLLECTION)
      .deleteMany({ expire: { $lte: new Date() } });
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
