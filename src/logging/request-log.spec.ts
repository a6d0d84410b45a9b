import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino from 'pino';
import { Writable } from 'node:stream';
import { pinoOptions } from './logging.module';
import { installRequestLog } from './request-log';
import type { AppConfig } from '../config/app-config';

interface Line {
  level: string;
  time: string;
  reqId?: string;
  req?: { id: string; path: string };
  res?: { statusCode: number };
  msg: string;
}

function appWithRequestLog(): { app: FastifyInstance; lines: Line[] } {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString().split('\n')) if (text) lines.push(JSON.parse(text));
      callback();
    },
  });
  const logger = pino(pinoOptions({ log: { level: 'info' } } as AppConfig), destination);
  let sequence = 0;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // As the app runs it: no request logging of Fastify's own, no child logger per request.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger) => logger,
    genReqId: (raw) => String(raw.headers['x-request-id'] ?? `generated-${++sequence}`),
  });
  installRequestLog(app, { idHeader: 'x-request-id', asyncContext: true, line: true });
  return { app, lines };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('the request line', () => {
  it('gives each request of one batch its own id, though they are written together', async () => {
    const { app, lines } = appWithRequestLog();
    app.get('/ping', async (request) => {
      request.log.info('inside');
      return 'pong';
    });
    const ids = ['a-1', 'b-2', 'c-3', 'd-4', 'e-5'];
    await Promise.all(
      ids.map((id) => app.inject({ url: '/ping', headers: { 'x-request-id': id } })),
    );
    await settle();
    const requestLines = lines.filter((line) => line.req);
    expect(requestLines.map((line) => [line.reqId, line.req?.id])).toEqual(
      ids.map((id) => [id, id]),
    );
    // Lines logged inside a request still carry its id through the AsyncLocalStorage.
    expect(lines.filter((line) => line.msg === 'inside').map((line) => line.reqId)).toEqual(ids);
    await app.close();
  });

  it('is stamped with the time its response finished, not the time it was written', async () => {
    const { app, lines } = appWithRequestLog();
    app.get('/ping', async () => 'pong');
    let blockedUntil = 0;
    // Runs after the request line's hook: holds the event loop, so the line is written later.
    app.addHook('onResponse', (_request, _reply, done) => {
      const until = Date.now() + 60;
      while (Date.now() < until);
      blockedUntil = until;
      done();
    });
    await app.inject({ url: '/ping', headers: { 'x-request-id': 'stamped' } });
    await settle();
    const line = lines.find((entry) => entry.reqId === 'stamped');
    expect(line).toBeDefined();
    expect(Date.parse(line!.time)).toBeLessThanOrEqual(blockedUntil - 50);
    await app.close();
  });

  it('writes what is pending when the app closes, once', async () => {
    const { app, lines } = appWithRequestLog();
    app.get('/ping', async () => 'pong');
    await app.ready();
    const response = app.inject({ url: '/ping', headers: { 'x-request-id': 'last' } });
    await response;
    await app.close();
    await settle();
    expect(lines.filter((line) => line.reqId === 'last' && line.req)).toHaveLength(1);
    expect(lines.find((line) => line.reqId === 'last')?.res).toEqual({ statusCode: 200 });
  });

  it('logs a 5xx response at error level', async () => {
    const { app, lines } = appWithRequestLog();
    app.get('/fail', async (_request, reply) => reply.status(503).send('down'));
    await app.inject({ url: '/fail', headers: { 'x-request-id': 'failed' } });
    await settle();
    expect(lines.find((line) => line.reqId === 'failed' && line.req)?.level).toBe('error');
    await app.close();
  });
});
