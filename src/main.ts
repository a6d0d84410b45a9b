import 'reflect-metadata';
import { bootstrap } from './bootstrap';
import { ConfigError, loadConfig } from './config/app-config';

async function start(): Promise<unknown> {
  return bootstrap(loadConfig(process.env));
}

start().catch((error: unknown) => {
  // Before the logger exists there is only stderr: one clear message, no stack for known problems.
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
