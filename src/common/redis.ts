import type { Redis, RedisOptions } from 'ioredis';

/** Commands fail at once while Redis is down (the caller's policy decides); reconnects within 2 s. */
export const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
  retryStrategy: (attempt) => Math.min(attempt * 250, 2_000),
};

/**
 * `disconnect()` arms a timer that destroys a socket which has not closed by then, also when
 * the socket is already gone (Redis unreachable, the client waiting to retry): at ioredis's
 * default of two seconds that timer alone would keep a stopped process alive.
 */
const REDIS_CLOSE_OPTIONS = { disconnectTimeout: 100 } as const;

/** A client of `url`; ioredis is loaded only where Redis is configured. */
export function connectRedis(url: string, options: RedisOptions): Redis {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
  return new RedisClient(url, { ...REDIS_CLOSE_OPTIONS, ...options });
}

/** Statuses in which the client has (or is opening) a socket, or closes itself on `disconnect()`. */
const CLOSES_WITH_END = new Set(['wait', 'connecting', 'connect', 'ready', 'monitoring']);

/**
 * Drops the connection and resolves once ioredis says it has ended: its own
 * `disconnect()` returns at once and leaves the socket running after the
 * application has stopped. A client between retries has no socket to wait for.
 */
export async function disconnectRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  const ended = CLOSES_WITH_END.has(client.status)
    ? new Promise<void>((resolve) => client.once('end', () => resolve()))
    : undefined;
  client.disconnect();
  await ended;
}
