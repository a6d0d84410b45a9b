import type { Connection } from 'mongoose';

export type DatabaseClient = ReturnType<Connection['getClient']>;

/**
 * Calls `attach` once for each driver client the connection uses: the one it
 * may have already (lazy connection) and each one a reconnection attempt
 * creates, so listeners for command and pool events are never lost or doubled.
 */
export function onEachClient(
  connection: Connection,
  attach: (client: DatabaseClient) => void,
): void {
  const attached = new WeakSet<object>();
  const attachOnce = () => {
    const client = connection.getClient() as DatabaseClient | undefined;
    if (!client || attached.has(client)) return;
    attached.add(client);
    attach(client);
  };
  attachOnce();
  connection.on('connected', attachOnce);
}
