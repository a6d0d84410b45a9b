import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection, ConnectOptions } from 'mongoose';
import { setTimeout as sleep } from 'node:timers/promises';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { onEachClient } from './client-events';
import { DATABASE_SERVER, type DatabaseServer } from './database-server';

const RETRY_DELAYS_MS = [250, 500, 1_000, 2_000, 5_000];

/**
 * Connections per process unless the URI sets `maxPoolSize`; replicas × this
 * must stay under the cluster's limit (docs/deployment.md).
 */
export const DEFAULT_MAX_POOL_SIZE = 50;

/** The URI's own `maxPoolSize` (the driver reads it), or the default. */
export function maxPoolSizeOf(uri: string): number {
  const query = new URLSearchParams(uri.split('?')[1] ?? '');
  for (const [name, value] of query) {
    // The driver takes option names in any case.
    if (name.toLowerCase() === 'maxpoolsize' && /^\d+$/.test(value)) return Number(value);
  }
  return DEFAULT_MAX_POOL_SIZE;
}

/** The connection options shared by the first connection attempt and every retry. */
export function connectionOptions(config: AppConfig, uri: string): ConnectOptions {
  const timeout = config.database.operationTimeoutMs;
  return {
    // Indexes are built by migrations in production (docs/deployment.md), by Mongoose elsewhere.
    autoIndex: !config.isProduction,
    autoCreate: !config.isProduction,
    bufferCommands: false,
    // An operation can spend a while on a connection that is dying (a server shutting down
    // gracefully answers nothing) before it gives up and waits for server selection: half the
    // budget for each keeps the whole within DB_TIMEOUT.
    serverSelectionTimeoutMS: Math.max(100, Math.round(timeout / 2)),
    connectTimeoutMS: timeout,
    socketTimeoutMS: Math.max(30_000, timeout),
    heartbeatFrequencyMS: 1_000,
    maxPoolSize: maxPoolSizeOf(uri),
    // Command events feed DB_DEBUG_LOG and the tests' command counter; unheard events cost nothing.
    monitorCommands: true,
  };
}

/**
 * Keeps the connection alive from the first moment: Mongoose gives up for good
 * when the very first connection fails, so this retries until it succeeds.
 * After that the driver reconnects on its own. Also logs state changes and,
 * with DB_DEBUG_LOG, one debug line per database command.
 */
@Injectable()
export class DatabaseSupervisor implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Database');
  /** Aborted at shutdown: ends a wait between retries, so its timer does not keep the process alive. */
  private readonly stopping = new AbortController();
  private connected: Promise<void> | undefined;

  constructor(
    @InjectConnection() private readonly connection: Connection,
    @Inject(DATABASE_SERVER) private readonly server: DatabaseServer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.connection.on('disconnected', () => {
      if (!this.stopping.signal.aborted)
        this.logger.warn('Database connection lost; queries fail until it returns');
    });
    this.connection.on('reconnected', () => this.logger.log('Database connection restored'));
    this.connection.on('error', (error: Error) =>
      this.logger.debug(`Database error: ${error.message}`),
    );
    if (this.config.database.debugLog) this.logCommands();
    this.connected = this.keepConnecting();
    this.connected.catch(() => undefined);
  }

  /** Resolves once the first connection is made (never rejects while retrying). */
  whenConnected(): Promise<void> {
    return this.connected ?? Promise.resolve();
  }

  beforeApplicationShutdown(): void {
    this.stopping.abort();
  }

  private async keepConnecting(): Promise<void> {
    let attempt = 0;
    let pending: Promise<unknown> = this.connection.asPromise();
    for (;;) {
      try {
        await pending;
        await this.ensureIndexes();
        this.logger.log(
          `Connected to the database${attempt > 0 ? ` after ${attempt} retries` : ''}`,
        );
        return;
      } catch (error) {
        if (this.stopping.signal.aborted) return;
        if (attempt === 0) {
          this.logger.warn(
            `Database unreachable (${(error as Error).message}); retrying in the background`,
          );
        }
        const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)];
        const waited = await sleep(delay, true, { signal: this.stopping.signal }).catch(
          () => false,
        );
        attempt += 1;
        if (!waited) return;
        pending = this.connection.openUri(
          this.server.uri,
          connectionOptions(this.config, this.server.uri),
        );
      }
    }
  }

  /**
   * Mongoose builds indexes when a model is compiled, which (with command
   * buffering off) fails if the connection is not up yet; unique indexes are
   * part of the rules (usernames, emails), so build them once connected.
   * Not in production, where migrations own the indexes.
   */
  private async ensureIndexes(): Promise<void> {
    if (this.config.isProduction) return;
    const results = await Promise.allSettled(
      Object.values(this.connection.models).map((model) => model.createIndexes()),
    );
    for (const result of results) {
      // A build cut short by shutting down is not a failure of the index.
      if (result.status === 'rejected' && !this.stopping.signal.aborted)
        this.logger.error(`Building an index failed: ${(result.reason as Error).message}`);
    }
  }

  private logCommands(): void {
    onEachClient(this.connection, (client) => {
      client.on('commandStarted', (event) => {
        const target = event.command[event.commandName];
        this.logger.debug({
          msg: `db ${event.commandName}`,
          db: {
            database: event.databaseName,
            command: event.commandName,
            collection: typeof target === 'string' ? target : undefined,
          },
        });
      });
      client.on('commandSucceeded', (event) =>
        this.logger.debug({ msg: `db ${event.commandName} ok ${event.duration}ms` }),
      );
      client.on('commandFailed', (event) =>
        this.logger.debug({ msg: `db ${event.commandName} failed ${event.duration}ms` }),
      );
    });
  }
}
