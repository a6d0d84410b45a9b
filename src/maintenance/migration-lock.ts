import type { Collection, Db } from 'mongodb';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

export const MIGRATION_LOCK_COLLECTION = 'migration_lock';
const LOCK_ID = 'migrations';

interface LockDocument {
  _id: string;
  owner: string;
  acquired_at: Date;
  /** A holder that died leaves the lock; past this, another process may take it. */
  expires_at: Date;
}

/** How long a holder keeps the lock without renewing it (renewed every third of it). */
const LEASE_MS = 60_000;
/** How long to wait for another holder before giving up. */
const WAIT_MS = 10 * 60_000;

interface LockOptions {
  readonly signal: AbortSignal;
  readonly log: (message: string) => void;
}

/**
 * One document with a fixed `_id`: inserting it is atomic on every
 * MongoDB-wire server, so of two processes starting migrations at once
 * exactly one gets the lock, and the other waits for it. (umzug has no lock,
 * and migrate-mongo's is a read then a write, which two processes can both
 * pass.) The lease is renewed while held, so a crashed holder blocks the next
 * deploy for one lease at most.
 */
export class MigrationLock {
  private readonly collection: Collection<LockDocument>;
  private readonly owner = `${hostname()}:${process.pid}:${Date.now().toString(36)}`;
  private renewal: NodeJS.Timeout | undefined;

  constructor(
    db: Db,
    private readonly options: LockOptions,
  ) {
    this.collection = db.collection<LockDocument>(MIGRATION_LOCK_COLLECTION);
  }

  /** Runs `work` holding the lock, waiting for it first if another process has it. */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      await this.release();
    }
  }

  private async acquire(): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    let told = false;
    for (;;) {
      if (await this.tryAcquire()) break;
      const holder = await this.collection.findOne({ _id: LOCK_ID });
      if (!told && holder) {
        this.options.log(
          `Waiting for the migration lock, held by ${holder.owner} since ${holder.acquired_at.toISOString()}`,
        );
        told = true;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `The migration lock is still held by ${holder?.owner ?? 'another process'}; if that process is gone, the lock expires at ${holder?.expires_at.toISOString() ?? 'once its lease ends'}`,
        );
      }
      await sleep(500, undefined, { signal: this.options.signal });
    }
    this.renewal = setInterval(() => {
      this.collection
        .updateOne(
          { _id: LOCK_ID, owner: this.owner },
          { $set: { expires_at: new Date(Date.now() + LEASE_MS) } },
        )
        .catch(() => undefined);
    }, LEASE_MS / 3);
    this.renewal.unref();
  }

  private async tryAcquire(): Promise<boolean> {
    const now = new Date();
    const lock: LockDocument = {
      _id: LOCK_ID,
      owner: this.owner,
      acquired_at: now,
      expires_at: new Date(now.getTime() + LEASE_MS),
    };
    try {
      await this.collection.insertOne(lock);
      return true;
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
    // Held: take it over only if its holder stopped renewing it.
    const { _id, ...rest } = lock;
    const taken = await this.collection.findOneAndUpdate(
      { _id, expires_at: { $lt: now } },
      { $set: rest },
      { returnDocument: 'after' },
    );
    return taken?.owner === this.owner;
  }

  private async release(): Promise<void> {
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = undefined;
    await this.collection.deleteOne({ _id: LOCK_ID, owner: this.owner });
  }
}
