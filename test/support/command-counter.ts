import type { Connection } from 'mongoose';
import { REVOCATION_COLLECTION } from '../../src/auth/sessions/revocation.schema';

/**
 * Counts the database commands the driver sends (command monitoring) while
 * `work` runs: the number of round trips a request cost. The revocation
 * feed's reads, once a second in the background, are no request's.
 */
export async function countCommands<T>(
  connection: Connection,
  work: () => Promise<T>,
): Promise<{ result: T; commands: string[] }> {
  const client = connection.getClient();
  const commands: string[] = [];
  const listener = (event: { commandName: string; command: Record<string, unknown> }) => {
    const target = event.command[event.commandName];
    if (target === REVOCATION_COLLECTION) return;
    commands.push(`${event.commandName}${typeof target === 'string' ? ` ${target}` : ''}`);
  };
  client.on('commandStarted', listener);
  try {
    const result = await work();
    return { result, commands };
  } finally {
    client.off('commandStarted', listener);
  }
}
