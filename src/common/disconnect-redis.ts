import type { Redis } from 'ioredis';

/** Statuses in which the client has (or is opening) a socket, or closes itself on `disconnect()`. */
const CLOSES_WITH_END = new Set(['wait', 'connecting', 'connect', 'ready', 'monitoring']);

/**
 * Options every Redis client of the service is created with. `disconnect()` arms a timer
 * that destroys a socket which has not closed by then, also when the socket is already gone
 * (Redis unreachable, the client waiting to retry): at ioredis's default of two seconds that
 * timer alone would keep a stopped process alive.
 */
export const REDIS_CLOSE_OPTIONS = { disconnectTimeout: 100 } as const;

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
