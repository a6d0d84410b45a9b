import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { DatabaseSupervisor } from '../../database/database-supervisor';
import { REVOCATION_COLLECTION } from './revocation.schema';
import { SESSION_COLLECTION } from './session.schema';

const SWEEP_INTERVAL_MS = 60_000;
const COLLECTIONS = [SESSION_COLLECTION, REVOCATION_COLLECTION];

/**
 * Removes sessions and revocation entries past their `expires_at`, once a
 * minute: FerretDB 1.24 refuses TTL indexes, and indexes belong to the
 * migrations (a production start creates none). Runs on the auth endpoint.
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
    void this.supervisor.whenConnected().then(() => {
      if (this.stopped) return;
      this.sweeper = setInterval(() => {
        this.sweep().catch((error: Error) =>
          this.logger.debug(`Deleting expired sessions failed: ${error.message}`),
        );
      }, SWEEP_INTERVAL_MS);
      this.sweeper.unref();
    });
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
}
