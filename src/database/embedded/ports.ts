import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A port that was free a moment ago on loopback. */
export async function findFreePort(): Promise<number> {
  const server = createServer().unref().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function canConnect(port: number): Promise<boolean> {
  const socket = createConnection({ port, host: '127.0.0.1' });
  return once(socket, 'connect')
    .then(
      () => true,
      () => false,
    )
    .finally(() => socket.destroy());
}

/** Waits until something accepts connections on the port; gives up early when `gaveUp()` says so. */
export async function waitForPort(
  port: number,
  timeoutMs: number,
  gaveUp: () => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(port)) return;
    if (gaveUp()) throw new Error('the server process exited');
    await sleep(50);
  }
  throw new Error(`nothing listened within ${timeoutMs} ms`);
}
