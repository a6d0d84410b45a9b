import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getConnectionToken } from '@nestjs/mongoose';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import type { Connection } from 'mongoose';
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { Writable } from 'node:stream';
import { configureApp, createAdapter, NEST_APPLICATION_OPTIONS } from '../../src/app.factory';
import { AppModule } from '../../src/app.module';
import { loadConfig, type AppConfig } from '../../src/config/app-config';
import { DatabaseSupervisor } from '../../src/database/database-supervisor';

export interface TestAppOptions {
  /** Environment variables on top of a quiet test environment. */
  readonly env?: Record<string, string | undefined>;
  /** Keep every log line written while this app runs in `logs` (level `debug`). */
  readonly captureLogs?: boolean;
  /** Connect to this URI instead of a fresh database on the test server. */
  readonly mongodbUri?: string;
  /** Don't wait for the first database connection (for outage tests). */
  readonly skipDatabaseWait?: boolean;
  /**
   * Changes the testing module before it is compiled: `.overrideProvider()`,
   * `.overrideGuard()` and the rest of @nestjs/testing's builder.
   */
  readonly override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
}

export interface TestApp {
  readonly app: NestFastifyApplication;
  readonly config: AppConfig;
  /** `http://127.0.0.1:<port>` of the listening server. */
  readonly url: string;
  /** The database connection (to seed or inspect data directly). */
  readonly connection: Connection;
  /** Captured log lines (only with `captureLogs`). */
  readonly logs: string[];
  /** `fetch` relative to the server. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Closes the app, drops its database, and leaves nothing running. */
  close(): Promise<void>;
}

/**
 * nestjs-pino keeps one root logger per process, built by the first app: so
 * every test app logs (at debug) into this one stream, and it hands each line
 * to the apps that asked to capture logs.
 */
const logSinks = new Set<string[]>();
const sharedLogDestination = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    const lines = chunk.toString().split('\n').filter(Boolean);
    for (const sink of logSinks) sink.push(...lines);
    callback();
  },
});

/** A database name unique to the calling test file and this call. */
export function uniqueDatabaseName(): string {
  const file = basename(expect.getState().testPath ?? 'test').replace(/\.(e2e-)?spec\.ts$/, '');
  return `t_${file.replace(/[^A-Za-z0-9]/g, '_').slice(0, 40)}_${randomBytes(4).toString('hex')}`;
}

/** The shared test server's URI with the given database name. */
export function testDatabaseUri(dbName: string): string {
  const server = process.env.TEST_MONGODB_SERVER_URI;
  if (!server)
    throw new Error(
      'TEST_MONGODB_SERVER_URI is not set: run tests through jest (test/support/global-setup.ts)',
    );
  return `${server}${dbName}`;
}

/**
 * Boots the real application module through the Nest testing module, over
 * HTTP on a random port, with the same Fastify wiring as `main.ts`, against a
 * throwaway database of its own, with silent (or captured) logs.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const mongodbUri = options.mongodbUri ?? testDatabaseUri(uniqueDatabaseName());
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'debug',
      LOG_PRETTY: 'false',
      PORT: '0',
      HOST: '127.0.0.1',
      COOKIE_SECURE: 'false',
      DATA_DIR: '.data/test',
      MONGODB_URI: mongodbUri,
      ...options.env,
    },
    { dotenv: false },
  );
  const logs: string[] = [];
  if (options.captureLogs) logSinks.add(logs);
  const builder = Test.createTestingModule({
    imports: [AppModule.forRoot(config, { logDestination: sharedLogDestination })],
  });
  // compile() makes Nest's Logger silent until the app sets its own, which would drop what any
  // app of this process logs meanwhile (a Redis client getting ready): buffer it, as `bufferLogs`
  // does for NestFactory, and hand it to the pino logger once the app has set it.
  Logger.attachBuffer();
  let app: NestFastifyApplication;
  try {
    const moduleRef = await (options.override?.(builder) ?? builder).compile();
    app = await configureApp(
      moduleRef.createNestApplication<NestFastifyApplication>(
        createAdapter(config),
        NEST_APPLICATION_OPTIONS,
      ),
      config,
    );
  } finally {
    Logger.flush();
  }
  await app.listen(0, '127.0.0.1');
  const connection = app.get<Connection>(getConnectionToken());
  if (!options.skipDatabaseWait) await app.get(DatabaseSupervisor).whenConnected();
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;

  return {
    app,
    config,
    url,
    connection,
    logs,
    request: (path, init) => fetch(`${url}${path}`, init),
    close: async () => {
      if (connection.readyState === 1 && !options.mongodbUri) {
        if (!process.env.KEEP_TEST_DB) await connection.dropDatabase().catch(() => undefined);
      }
      await app.close();
      logSinks.delete(logs);
    },
  };
}
