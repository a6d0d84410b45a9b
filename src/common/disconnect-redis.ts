import type { Redis } from 'ioredis';

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
