/**
 * A loopback relay between the API processes and the database that counts the
 * commands passing through by name and collection. The database's own
 * counters also see the API's background work (the revocation feed reads
 * once a second, the expiry sweeps once a minute), which lands in any window
 * a slow request is measured over; here it can be told apart exactly.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

const OP_MSG = 2013;
const HEADER_BYTES = 16;
const BSON_STRING = 0x02;

export interface CommandTap {
  /** A MongoDB URI (no database name) that reaches the database through the tap. */
  readonly uri: string;
  /** Commands seen so far, keyed `name` or `name collection`. */
  counts(): ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

/** The first element of an OP_MSG's body: the command's name and, when a string, its collection. */
function commandOf(message: Buffer): string | undefined {
  const opCode = message.readInt32LE(12);
  // flagBits (4 bytes), then the body section: kind 0, a BSON document.
  const section = HEADER_BYTES + 4;
  if (opCode !== OP_MSG || message.length <= section + 6 || message[section] !== 0)
    return undefined;
  const element = section + 1 + 4;
  const type = message[element];
  const nameEnd = message.indexOf(0, element + 1);
  if (nameEnd < 0) return undefined;
  const name = message.toString('utf8', element + 1, nameEnd);
  if (type !== BSON_STRING) return name;
  const length = message.readInt32LE(nameEnd + 1);
  return `${name} ${message.toString('utf8', nameEnd + 5, nameEnd + 5 + length - 1)}`;
}

/** Starts the tap on a free loopback port in front of the database at `databaseUri`. */
export async function startCommandTap(databaseUri: string): Promise<CommandTap> {
  const target = new URL(databaseUri);
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    let pending: Buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= HEADER_BYTES && pending.length >= pending.readInt32LE(0)) {
        const size = pending.readInt32LE(0);
        const command = commandOf(pending.subarray(0, size));
        if (command) counts.set(command, (counts.get(command) ?? 0) + 1);
        pending = pending.subarray(size);
      }
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    counts: () => counts,
    stop: () =>
      new Promise<void>((resolveStop) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolveStop());
      }),
  };
}
