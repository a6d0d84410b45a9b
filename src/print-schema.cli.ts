// First: refuses an old Node.js before anything that would crash on it is loaded.
import './common/node-version';
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createApp } from './app.factory';
import { parseCli } from './common/cli';
import { loadConfig } from './config/app-config';
import { printSortedSchema, SCHEMA_FILE } from './graphql/schema-printer';
import { GraphQLSchemaHost } from '@nestjs/graphql';

/** `npm run schema`: writes the code-first schema to schema.graphql (no database needed). */
const CLI = {
  usage: 'npm run schema',
  description:
    'Writes schema.graphql from the code-first resolvers (no database needed). A test fails when\nthe committed file is stale.',
  options: {},
} as const;

async function main(): Promise<void> {
  parseCli(CLI);
  const config = loadConfig(
    {
      NODE_ENV: 'development',
      LOG_LEVEL: 'silent',
      MONGODB_URI: 'mongodb://127.0.0.1:9/schema-only',
      APP_ROLE: 'all',
      DATA_DIR: resolve('.data'),
    },
    { dotenv: false },
  );
  const app = await createApp(config);
  await app.init();
  const sdl = printSortedSchema(app.get(GraphQLSchemaHost).schema);
  writeFileSync(SCHEMA_FILE, sdl);
  await app.close();
  console.log(`Wrote ${SCHEMA_FILE}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
