import { EventBus } from '../src/common/events/event-bus';
import { RateLimits } from '../src/rate-limits/rate-limits';
import { startTestApp, waitFor } from './support';
import { startRedis } from './support/redis-server';

/** Timers that keep this process alive (unref'd ones do not count). */
const heldByTimers = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe('stopping while Redis is down (REDIS_URL)', () => {
  it('leaves no Redis client timer holding the process once the app is closed', async () => {
    const before = heldByTimers();
    const redis = await startRedis();
    const app = await startTestApp({ env: { REDIS_URL: redis.url } });
    try {
      const events = app.app.get(EventBus);
      const limits = app.app.get(RateLimits);
      await waitFor(
        'the Redis clients to connect',
        () => events.connected() && limits.redisReady(),
      );
      await redis.stop();
      await waitFor(
        'the Redis clients to notice the outage',
        () => !events.connected() && !limits.redisReady(),
      );
    } finally {
      await app.close();
      await redis.stop();
    }
    // ioredis's own default would keep a timer per client for two seconds after the close.
    await waitFor('the timers of the app to end', () => heldByTimers() <= before, 1_000, 10);
  });
});
