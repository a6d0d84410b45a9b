import type { Redis, RedisOptions } from 'ioredis';

/** Commands fail at once while Redis is down (the caller's policy decides); reconnects within 2 s. */
export const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
  retryStrategy: (attempt) => Math.min(attempt * 250, 2_000),
};

/** A client of `url`; ioredis is loaded only where Redis is configured. */
export function connectRedis(url: string, options: RedisOptions): Redis {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
  return new RedisClient(url, options);
}

/** Statuses in which the client has (or is opening) a socket, or closes itself on `disconnect()`. */
const CLOSES_WITH_END = new Set(['wait', 'connecting', 'connect', 'ready', 'monitoring']);

/**
 * Drops the connection and resolves once ioredis says it has ended: its own
 * `disconnect()` returns at once and leaves the socket (and a timer that
 * destroys it within two seconds) running after the application has stopped.
 */
export async function disconnectRedis(client: Redis): Promise<void> {
  const ended = CLOSES_WITH_END.has(client.status)
    ? new Promise<void>((resolve) => client.once('end', () => resolve()))
    : undefined;
  client.disconnect();
  await ended;
}
