import {
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { PinoLogger } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config';
import { startEmbeddedDatabase } from './embedded/embedded-database';
import type { RunningDatabase } from './embedded/types';

export const DATABASE_SERVER = Symbol('DATABASE_SERVER');
const DEFAULT_DB_NAME = 'user_order';

/** Where the database is, and the embedded server when this process started one. */
export interface DatabaseServer {
  readonly uri: string;
  readonly embedded: RunningDatabase | undefined;
}

export interface DatabaseServerOptions {
  /** Start the embedded database in a temporary folder deleted on shutdown. */
  readonly throwawayEmbedded?: boolean;
}

/** `MONGODB_URI`, or an embedded server started for this process (data in DATA_DIR unless throwaway). */
export async function openDatabaseServer(
  config: AppConfig,
  log: (message: string) => void,
  throwaway?: boolean,
): Promise<DatabaseServer> {
  if (config.database.uri) return { uri: config.database.uri, embedded: undefined };
  const embedded = await startEmbeddedDatabase({
    dataDir: config.database.dataDir,
    throwaway,
    ferretdbBin: config.database.ferretdbBin,
    mongodBin: config.database.mongodBin,
    log,
  });
  return { uri: `${embedded.uri}${DEFAULT_DB_NAME}`, embedded };
}

/** Stops the embedded server last, after the connection to it is closed. */
@Injectable()
export class EmbeddedDatabaseStopper implements OnApplicationShutdown {
  constructor(
    @Inject(DATABASE_SERVER) private readonly server: DatabaseServer,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.server.embedded) return;
    await this.connection.close().catch(() => undefined);
    await this.server.embedded.stop();
  }
}

@Module({})
export class DatabaseServerModule {
  static forRoot(config: AppConfig, options: DatabaseServerOptions = {}): DynamicModule {
    return {
      module: DatabaseServerModule,
      providers: [
        {
          provide: DATABASE_SERVER,
          // The app's pino logger when there is one: it writes as it happens, where Nest's logger
          // holds lines back until start-up ends, so a first start shows each step when it begins.
          inject: [{ token: PinoLogger, optional: true }],
          useFactory: (pino?: PinoLogger): Promise<DatabaseServer> => {
            const logger = new Logger('EmbeddedDatabase');
            const log = (message: string) =>
              pino ? pino.info({ context: 'EmbeddedDatabase' }, message) : logger.log(message);
            return openDatabaseServer(config, log, options.throwawayEmbedded);
          },
        },
      ],
      exports: [DATABASE_SERVER],
    };
  }
}
