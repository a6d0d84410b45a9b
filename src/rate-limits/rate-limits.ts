import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import {
  RateLimiterMemory,
  RateLimiterMongo,
  RateLimiterRedis,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { connectRedis, disconnectRedis, FAIL_FAST } from '../common/redis';
import { OncePerInterval } from '../common/once-per-interval';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DatabaseSupervisor } from '../database/database-supervisor';
import { AppMetrics } from '../metrics/app-metrics';
import { MongoCounterCollection, RATE_LIMIT_COLLECTION } from './mongo-counter-collection';
import { RateLimit, type RateLimitReporter, type WhenStoreFails } from './rate-limit';

export interface RateLimitDefinition {
  /** Names the limit in metrics and logs, and prefixes its keys in a shared store. */
  readonly name: string;
  /** Events allowed per minute. */
  readonly points: number;
  /**
   * `shared`: counted in MongoDB (or Redis when REDIS_URL is set), so every
   * process sees the same count. `local`: counted in this process's memory, unless Redis
   * is configured.
   */
  readonly scope: 'shared' | 'local';
  readonly whenStoreFails: WhenStoreFails;
}

/** A store that failed is logged at most this often per limit. */
const STORE_FAILURE_LOG_INTERVAL_MS = 60_000;

/**
 * Makes the service's rate limits on rate-limiter-flexible's stores
 * (docs/operations.md, Rate limits): sign-in and sign-up counters in the
 * MongoDB the service already has, GraphQL counters in memory, or all of them
 * in Redis when REDIS_URL is set.
 */
@Injectable()
export class RateLimits implements RateLimitReporter, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimits');
  private readonly mongoCounters: MongoCounterCollection;
  private readonly redis: Redis | undefined;
  private readonly failureLogDue = new OncePerInterval(STORE_FAILURE_LOG_INTERVAL_MS);

  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly supervisor: DatabaseSupervisor,
    private readonly metrics: AppMetrics,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.mongoCounters = new MongoCounterCollection(connection, this.logger);
    const url = config.redis.url;
    this.redis = url ? this.connectRedis(url) : undefined;
  }

  onModuleInit(): void {
    if (this.redis) return;
    // Counters in MongoDB need their indexes once the database is there; start-up never waits for it.
    void this.supervisor.whenConnected().then(() => this.mongoCounters.prepare());
  }

  async onApplicationShutdown(): Promise<void> {
    this.mongoCounters.stop();
    if (this.redis) await disconnectRedis(this.redis);
  }

  define(definition: RateLimitDefinition): RateLimit {
    this.metrics.rateLimitDefined(definition.name);
    return new RateLimit(
      definition.name,
      this.limiter(definition),
      definition.whenStoreFails,
      this,
    );
  }

  refused(limit: string): void {
    this.metrics.rateLimitRefused(limit);
  }

  storeFailed(limit: string, whenStoreFails: WhenStoreFails, error: unknown): void {
    this.metrics.rateLimitStoreFailed(limit);
    if (!this.failureLogDue.due(limit)) return;
    const store = this.redis ? 'Redis' : 'MongoDB';
    const consequence =
      whenStoreFails === 'allow' ? 'requests are let through' : 'attempts are refused (503)';
    this.logger.warn(
      `The ${store} store of the ${limit} rate limit did not answer (${(error as Error)?.message ?? String(error)}); ${consequence} until it does (logged once a minute)`,
    );
  }

  private limiter(definition: RateLimitDefinition): RateLimiterAbstract {
    const options = {
      keyPrefix: definition.name,
      points: definition.points,
      duration: 60,
    };
    if (this.redis) {
      // Fail at once while Redis is down rather than queueing: the limit's policy decides.
      return new RateLimiterRedis({
        ...options,
        storeClient: this.redis,
        rejectIfRedisNotReady: true,
      });
    }
    if (definition.scope === 'local') return new RateLimiterMemory(options);
    return new RateLimiterMongo({
      ...options,
      storeClient: this.connection,
      tableName: RATE_LIMIT_COLLECTION,
      // Built by MongoCounterCollection once connected (and without the TTL index on FerretDB).
      disableIndexesCreation: true,
    });
  }

  private connectRedis(url: string): Redis {
    const redis = connectRedis(url, FAIL_FAST);
    let down = false;
    // "Back" only after it was ready once: a first connection timing out on a busy start is no outage.
    let wasReady = false;
    redis.on('error', (error: Error) => {
      if (!down) this.logger.warn(`Redis for rate limits unreachable: ${error.message}`);
      down = true;
    });
    redis.on('ready', () => {
      this.logger.log(wasReady ? 'Redis for rate limits is back' : 'Rate limits counted in Redis');
      wasReady = true;
      down = false;
    });
    return redis;
  }
}
