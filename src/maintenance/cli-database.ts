import { MongoClient, type Db } from 'mongodb';
import { ConfigError, loadConfig, type AppConfig } from '../config/app-config';
import { openDatabaseServer } from '../database/database-server';

interface CliDatabase {
  readonly db: Db;
  /** Closes the connection, then stops the embedded server if this process started one. */
  close(): Promise<void>;
}

/**
 * The configuration a maintenance command needs: only the database's. The
 * service's production rules (a signing key, Secure cookies) are not asked of
 * a migration job; a production one must name its database, never fall back
 * to an embedded one.
 */
export function loadMaintenanceConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const config = loadConfig({ ...env, NODE_ENV: 'development' });
  if (env.NODE_ENV === 'production' && !config.database.uri)
    throw new ConfigError(['MONGODB_URI is required in production (no embedded database there)']);
  return config;
}

/**
 * The database a maintenance command works on: `MONGODB_URI`, or the embedded
 * one in DATA_DIR as `npm start` uses it (stop `npm start` first: two servers
 * must not share one data folder).
 */
async function openCliDatabase(
  config: AppConfig,
  log: (message: string) => void,
): Promise<CliDatabase> {
  const { uri, embedded } = await openDatabaseServer(config, log);
  try {
    const client = await MongoClient.connect(uri, {
      serverSelectionTimeoutMS: Math.max(5_000, config.database.operationTimeoutMs),
    });
    return {
      db: client.db(),
      close: async () => {
        await client.close();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/**
 * Ctrl-C (or SIGTERM) aborts the returned signal so the command stops at its
 * next step and cleans up; a second one ends the process at once.
 */
function stopOnSignals(onFirst: () => void): AbortSignal {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    onFirst();
    controller.abort(new Error(`stopped by ${signal}`));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return controller.signal;
}

/** What a maintenance command says when Ctrl-C arrives, and once it has stopped. */
export interface StopMessages {
  readonly stopping: string;
  readonly stopped: string;
}

/**
 * Runs a maintenance command's work on the configured database: Ctrl-C stops it at its next
 * step (exit 130, with `stopped` saying what is left), and the database is closed however it ends.
 */
export async function withCliDatabase(
  messages: StopMessages,
  work: (db: Db, signal: AbortSignal) => Promise<number>,
): Promise<number> {
  const config = loadMaintenanceConfig();
  const signal = stopOnSignals(() => console.error(messages.stopping));
  const database = await openCliDatabase(config, (message) => process.stdout.write(`${message}\n`));
  try {
    return await work(database.db, signal);
  } catch (error) {
    if (!signal.aborted) throw error;
    console.error(messages.stopped);
    return 130;
  } finally {
    await database.close();
  }
}

/** Ends the process with the command's exit code; an error is one line and exit 1. */
export function exitWith(command: Promise<number>): void {
  command.then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}

/** The database's name, to show which one a command works on (never the URI: it may hold a password). */
export const databaseLabel = (db: Db) => `database "${db.databaseName}"`;
