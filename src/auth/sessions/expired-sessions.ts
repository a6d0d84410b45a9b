import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { DatabaseSupervisor } from '../../database/database-supervisor';
import { REVOCATION_COLLECTION } from './revocation.schema';
import { SESSION_COLLECTION } from './session.schema';

const SWEEP_INTERVAL_MS = 60_000;
const COLLECTIONS = [SESSION_COLLECTION, REVOCATION_COLLECTION];

/**
 * Removes sessions and revocation entries past their `expires_at`: a TTL
 * index where the database has them, else (FerretDB 1.24 refuses
 * `expireAfterSeconds`) a sweep once a minute. Runs on the auth endpoint.
 */
@Injectable()
export class ExpiredSessions implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Sessions');
  private sweeper: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly supervisor: DatabaseSupervisor,
  ) {}

  onModuleInit(): void {
    void this.supervisor.whenConnected().then(() => this.prepare());
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
  }

  /** Deletes what has expired in both collections; several processes doing it at once is harmless. */
  async sweep(now = new Date()): Promise<number> {
    let deleted = 0;
    for (const name of COLLECTIONS) {
      const result = await this.connection
        .collection(name)
        .deleteMany({ expires_at: { $lte: now } });
      deleted += result.deletedCount;
    }
    return deleted;
  }

  private async prepare(): Promise<void> {
    try {
      for (const name of COLLECTIONS)
        await this.connection
          .collection(name)
          .createIndex({ expires_at: 1 }, { expireAfterSeconds: 0 });
    } catch (error) {
      if (this.stopped) return;
      const message = (error as Error).message;
      if (/expireAfterSeconds.*not implemented/i.test(message))
        this.logger.log(
          'This database has no TTL indexes (FerretDB): expired sessions are deleted once a minute',
        );
      else
        this.logger.warn(
          `Building the sessions' expiry indexes failed (${message}); expired sessions are deleted once a minute`,
        );
      this.startSweeping();
    }
  }

  private startSweeping(): void {
    if (this.stopped || this.sweeper) return;
    this.sweeper = setInterval(() => {
      this.sweep().catch((error: Error) =>
        this.logger.debug(`Deleting expired sessions failed: ${error.message}`),
      );
    }, SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }
}
