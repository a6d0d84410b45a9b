import { startTestApp, waitFor } from './support';
import { startRedis } from './support/redis-server';

/** Timers that keep this process alive (unref'd ones do not count). */
const heldByTimers = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe('stopping while Redis is down (REDIS_URL)', () => {
  it('leaves no Redis client timer holding the process once the app is closed', async () => {
    const before = heldByTimers();
    const redis = await startRedis();
    const app = await startTestApp({ env: { REDIS_URL: redis.url }, captureLogs: true });
    // What the process says of its three Redis clients (rate limits, event publisher, subscriber).
    const said = (...lines: RegExp[]) =>
      lines.every((line) => app.logs.some((logged) => line.test(logged)));
    try {
      await waitFor('the Redis clients to connect', () =>
        said(/Rate limits counted in Redis/, /publisher ready/, /subscriber ready/),
      );
      await redis.stop();
      await waitFor('the Redis clients to notice the outage', () =>
        said(/Redis for rate limits unreachable/, /Redis for events unreachable/),
      );
    } finally {
      await app.close();
      await redis.stop();
    }
    // ioredis's own default would keep a timer per client for two seconds after the close.
    await waitFor('the timers of the app to end', () => heldByTimers() <= before, 1_000, 10);
  });
});
