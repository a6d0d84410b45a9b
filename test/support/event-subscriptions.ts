import type { PubSubEngine } from 'graphql-subscriptions';
import { waitFor } from './wait-for';

/** What a test waits on before it publishes: the subscriptions the event bus has registered. */
export interface EventSubscriptions {
  /** Subscriptions registered so far in this test file (ended ones included). */
  registered(): number;
  /** Resolves once `total` subscriptions have been registered. */
  reach(total: number): Promise<void>;
  restore(): void;
}

/**
 * Counts the subscriptions the event bus's engine (graphql-subscriptions' `PubSub`, or
 * `RedisPubSub` with REDIS_URL) registers in this process: once its `subscribe` has resolved,
 * an event published reaches the subscriber, so a test creates what it expects to hear of
 * only then, never after a fixed delay a busy machine may overrun.
 */
export function countEventSubscriptions(engine: { prototype: PubSubEngine }): EventSubscriptions {
  let registered = 0;
  const subscribe = engine.prototype.subscribe;
  const spy = jest.spyOn(engine.prototype, 'subscribe').mockImplementation(async function (
    this: PubSubEngine,
    ...args
  ) {
    const id = await subscribe.apply(this, args);
    registered += 1;
    return id;
  });
  return {
    registered: () => registered,
    reach: (total) => waitFor(`${total} event subscriptions registered`, () => registered >= total),
    restore: () => spy.mockRestore(),
  };
}
