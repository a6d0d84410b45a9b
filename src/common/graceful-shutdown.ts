import type { LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Signals this close to the first are the same request to stop, sent along two paths. */
const DUPLICATE_SIGNAL_MS = 1_000;
/** After a clean close, how long the process may wait for its last log writes before it exits anyway. */
const LAST_WRITES_MS = 500;

/**
 * Lets the process end on its own once its asynchronous log writes are done (`process.exit()`
 * could cut the last line's write short); ends it anyway after LAST_WRITES_MS.
 */
function exitAfterLastWrites(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), LAST_WRITES_MS).unref();
}

export interface ShutdownOptions {
  /** How long requests in flight may take once the server closes. */
  readonly timeoutMs: number;
  /**
   * How long to keep serving after the signal, with readiness failing, before
   * closing: a load balancer's health check takes the process out of rotation
   * meanwhile, so no request meets a closed port (0: close at once).
   */
  readonly drainMs: number;
  /** Called when the signal arrives: readiness starts failing (and answers say `connection: close`). */
  readonly onDrain: () => void;
}

/**
 * On SIGTERM/SIGINT: drain (readiness fails, requests are still served) for
 * `drainMs`, then stop accepting connections, let requests in flight finish
 * (up to `timeoutMs`), close the database and the embedded server, exit 0. A
 * second signal (a second later or more) ends the process at once. Call
 * before `listen()`.
 */
export function installGracefulShutdown(
  app: NestFastifyApplication,
  logger: LoggerService,
  { timeoutMs, drainMs, onDrain }: ShutdownOptions,
): void {
  let firstSignalAt: number | undefined;
  const shutdown = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      // Ctrl-C under `npm start` arrives twice: from the terminal and forwarded by npm.
      if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
      logger.warn(`${signal} again: exiting now`, 'Shutdown');
      process.exit(1);
    }
    firstSignalAt = Date.now();
    onDrain();
    if (drainMs > 0) {
      logger.log(
        `${signal} received: readiness now fails; serving for ${drainMs} ms more while the load balancer stops routing here`,
        'Shutdown',
      );
    }
    setTimeout(() => close(signal), drainMs).unref();
  };
  const close = (signal: NodeJS.Signals) => {
    logger.log(
      `${drainMs > 0 ? 'Drained' : `${signal} received`}: finishing requests in flight (up to ${timeoutMs} ms)`,
      'Shutdown',
    );
    setTimeout(() => {
      logger.warn(`Requests still running after ${timeoutMs} ms: exiting anyway`, 'Shutdown');
      process.exit(0);
    }, timeoutMs).unref();
    app.close().then(
      () => {
        logger.log('Shut down cleanly', 'Shutdown');
        exitAfterLastWrites(0);
      },
      (error: unknown) => {
        logger.error(`Shutdown failed: ${(error as Error).message}`, undefined, 'Shutdown');
        exitAfterLastWrites(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
