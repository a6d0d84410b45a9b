import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `condition` until it holds, or fails naming `what` after `timeoutMs`: a
 * test waits for what it expects, never for a fixed time a busy machine may overrun.
 */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
