// First: refuses an old Node.js before anything that would crash on it is loaded.
import './common/node-version';
import 'reflect-metadata';
import { bootstrap } from './bootstrap';
import { ConfigError, loadConfig } from './config/app-config';

async function start(): Promise<unknown> {
  return bootstrap(loadConfig(process.env));
}

start().catch((error: unknown) => {
  // Before the logger exists there is only stderr: one clear message, no stack for known problems.
  const { code, address, port } = (error ?? {}) as {
    code?: string;
    address?: string;
    port?: number;
  };
  if (error instanceof ConfigError) console.error(error.message);
  else if (code === 'EADDRINUSE')
    console.error(
      `Port ${port} on ${address} is in use by another program: stop it, or choose another with PORT=<number>`,
    );
  else console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
