import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';

const PING_TIMEOUT_MS = 1_000;

/** Whether the database answers right now. */
@Injectable()
export class DatabaseHealth {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  async ping(): Promise<boolean> {
    const db = this.connection.readyState === 1 ? this.connection.db : undefined;
    if (!db) return false;
    // The command's own timeoutMS does not end a ping to a server that stopped answering mid-connection.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    try {
      return await Promise.race([
        db.command({ ping: 1 }, { timeoutMS: PING_TIMEOUT_MS }).then(
          () => true,
          () => false,
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
