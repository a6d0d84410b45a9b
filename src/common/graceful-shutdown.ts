import type { LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Signals this close to the first are the same request to stop, sent along two paths. */
const DUPLICATE_SIGNAL_MS = 1_000;

/**
 * On SIGTERM/SIGINT: stop accepting connections, let requests in flight
 * finish (up to `timeoutMs`), close the database and the embedded server,
 * exit 0. A second signal (a second later or more) ends the process at once. Call before `listen()`.
 */
export function installGracefulShutdown(
  app: NestFastifyApplication,
  logger: LoggerService,
  timeoutMs: number,
): void {
  let closing = false;
  // A kept-alive connection would hold the server open after its last answer:
  // answers sent while closing tell the client to hang up.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', (_request, reply, payload, done) => {
      if (closing) void reply.header('connection', 'close');
      done(null, payload);
    });

  let firstSignalAt = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    // Ctrl-C under `npm start` arrives twice: from the terminal and forwarded by npm.
    if (closing && Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
    if (closing) {
      logger.warn(`${signal} again: exiting now`, 'Shutdown');
      process.exit(1);
    }
    closing = true;
    firstSignalAt = Date.now();
    logger.log(
      `${signal} received: finishing requests in flight (up to ${timeoutMs} ms)`,
      'Shutdown',
    );
    const deadline = setTimeout(() => {
      logger.warn(`Requests still running after ${timeoutMs} ms: exiting anyway`, 'Shutdown');
      process.exit(0);
    }, timeoutMs);
    deadline.unref();
    app.close().then(
      () => {
        logger.log('Shut down cleanly', 'Shutdown');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(`Shutdown failed: ${(error as Error).message}`, undefined, 'Shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
