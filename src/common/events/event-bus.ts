import { Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { PubSub, type PubSubEngine } from 'graphql-subscriptions';
import type { Redis } from 'ioredis';
import { EventEmitter } from 'node:events';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { connectRedis, disconnectRedis } from '../redis';
import { OncePerInterval } from '../once-per-interval';

/**
 * Events for this process (graphql-subscriptions' PubSub), or every process with REDIS_URL
 * (graphql-redis-subscriptions; payloads as JSON). Publishing never fails the write behind it:
 * while Redis is down events are dropped, not replayed, and that is logged once a minute.
 */
@Injectable()
export class EventBus implements OnApplicationShutdown {
  private readonly logger = new Logger('Events');
  private readonly engine: PubSubEngine;
  private readonly clients: Redis[] = [];
  private readonly outageReport = new OncePerInterval(60_000);

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const url = config.redis.url;
    // One listener per running subscription: a thousand on a process is expected, not a leak.
    this.engine = url
      ? this.redisEngine(url)
      : new PubSub({ eventEmitter: new EventEmitter().setMaxListeners(0) });
  }

  /** Hands the payload to every subscriber of the channel; resolves once handed to the bus. */
  async publish<T>(channel: string, payload: T): Promise<void> {
    try {
      await this.engine.publish(channel, payload);
    } catch (error) {
      this.reportOutage(error as Error);
    }
  }

  /** The channel's events from now on, until the iterator is returned. */
  subscribe<T>(channel: string): AsyncIterableIterator<T> {
    return this.engine.asyncIterableIterator<T>(channel);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.clients.map(disconnectRedis));
  }

  private redisEngine(url: string): PubSubEngine {
    const { RedisPubSub } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('graphql-redis-subscriptions') as typeof import('graphql-redis-subscriptions');
    const connect = (role: string) => {
      // Publishing fails at once while Redis is down instead of queueing events for later.
      const client = connectRedis(url, {
        enableOfflineQueue: role === 'subscriber',
        maxRetriesPerRequest: 1,
      });
      client.on('error', (error: Error) => this.reportOutage(error));
      client.on('ready', () => this.logger.log(`Events shared through Redis (${role} ready)`));
      this.clients.push(client);
      return client;
    };
    return new RedisPubSub({
      publisher: connect('publisher'),
      subscriber: connect('subscriber'),
    });
  }

  private reportOutage(error: Error): void {
    if (this.outageReport.due())
      this.logger.warn(
        `Redis for events unreachable (${error.message}): subscriptions get no events until it is back, queries and mutations are unaffected; said again in a minute if it lasts`,
      );
  }
}

/** The event bus, one per process. */
@Module({ providers: [EventBus], exports: [EventBus] })
export class EventBusModule {}
