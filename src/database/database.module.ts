import { DynamicModule, Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../config/app-config';
import { DatabaseHealth } from './database-health';
import {
  DATABASE_SERVER,
  DatabaseServerModule,
  EmbeddedDatabaseStopper,
  type DatabaseServer,
  type DatabaseServerOptions,
} from './database-server';
import { connectionOptions, DatabaseSupervisor } from './database-supervisor';

/**
 * The MongoDB connection: to `MONGODB_URI`, or to an embedded server started
 * for this process. Queries never wait in a buffer for a database that is
 * down: they fail within `DB_TIMEOUT`, and the connection heals by itself.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig, options: DatabaseServerOptions = {}): DynamicModule {
    const serverModule = DatabaseServerModule.forRoot(config, options);
    return {
      module: DatabaseModule,
      imports: [
        serverModule,
        MongooseModule.forRootAsync({
          imports: [serverModule],
          inject: [DATABASE_SERVER],
          useFactory: (server: DatabaseServer) => ({
            uri: server.uri,
            // Start even when the database is down; DatabaseSupervisor keeps trying.
            lazyConnection: true,
            retryAttempts: 0,
            ...connectionOptions(config, server.uri),
            connectionFactory: (connection: Connection) => {
              // Every query carries maxTimeMS: the database stops work no one waits for any more.
              connection.set('maxTimeMS', config.database.operationTimeoutMs);
              // A first attempt failing before DatabaseSupervisor watches it must not end the
              // process: mongoose counts an 'error' listener as handling it (the supervisor logs).
              return connection.on('error', () => undefined);
            },
          }),
        }),
      ],
      providers: [DatabaseSupervisor, DatabaseHealth, EmbeddedDatabaseStopper],
      exports: [DatabaseHealth, DatabaseSupervisor, serverModule],
    };
  }
}
