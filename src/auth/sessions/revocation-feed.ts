import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Redis } from 'ioredis';
import type { Model } from 'mongoose';
import { randomUUID } from 'node:crypto';
import { connectRedis, disconnectRedis, FAIL_FAST } from '../../common/redis';
import { OncePerInterval } from '../../common/once-per-interval';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { DatabaseSupervisor } from '../../database/database-supervisor';
import { AppMetrics } from '../../metrics/app-metrics';
import { RevocationDocument } from './revocation.schema';
import { RevokedSessions, type Revocation } from './revoked-sessions';

/** How often each process reads the feed from MongoDB (revocations reach every process within about this). */
const FEED_INTERVAL_MS = 1_000;
/** Each read starts this far before the newest entry seen: writers' clocks and slow inserts do not lose one. */
const CURSOR_OVERLAP_MS = 5_000;
const FAILURE_LOG_INTERVAL_MS = 60_000;
const REDIS_CHANNEL = 'session-revocations';

/**
 * The revocation feed (docs/auth.md, Sessions): published to `session_revocation` (and Redis when
 * set), followed by every process into RevokedSessions. While it cannot be read the process
 * serves with what it knows (access tokens are short-lived) and says so once a minute.
 */
@Injectable()
export class RevocationFeed implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RevocationFeed');
  private readonly failureLogDue = new OncePerInterval(FAILURE_LOG_INTERVAL_MS);
  private readonly redisUrl: string | undefined;
  private cursor = 0;
  private lastReadAt = Date.now();
  private failures = 0;
  private failing = false;
  private reading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private subscriber: Redis | undefined;
  private publisher: Redis | undefined;
  /** Subscribed to Redis and caught up with MongoDB since: no need to poll. */
  private redisCaughtUp = false;

  constructor(
    @InjectModel(RevocationDocument.name) private readonly model: Model<RevocationDocument>,
    private readonly revoked: RevokedSessions,
    private readonly supervisor: DatabaseSupervisor,
    @Inject(APP_CONFIG) config: AppConfig,
    metrics: AppMetrics,
  ) {
    this.redisUrl = config.redis.url;
    metrics.counterFrom(
      'auth_revocation_feed_failures_total',
      'Reads of the session revocation feed that failed (the process keeps serving with what it knows).',
      [],
      () => [[{}, this.failures]],
    );
    metrics.gaugeFrom(
      'auth_revocation_feed_age_seconds',
      'Seconds since this process last read the revocation feed (about 1 while it works).',
      [],
      () => [[{}, (Date.now() - this.lastReadAt) / 1000]],
    );
    metrics.gaugeFrom(
      'auth_revoked_sessions',
      'Revoked sessions and per-user cut-offs this process refuses tokens of.',
      [],
      () => [[{}, this.revoked.size]],
    );
  }

  onModuleInit(): void {
    if (this.redisUrl) this.subscribe(this.redisUrl);
    void this.supervisor.whenConnected().then(() => {
      if (this.stopped) return;
      void this.tick();
      this.timer = setInterval(() => void this.tick(), FEED_INTERVAL_MS);
      this.timer.unref();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all(
      [this.subscriber, this.publisher]
        .filter((client) => client !== undefined)
        .map(disconnectRedis),
    );
  }

  /**
   * Records revocations for every process: this one at once, the others from
   * the collection (or Redis). Fails (and the caller answers 503) only when
   * the collection cannot be written.
   */
  async publish(revocations: readonly Revocation[]): Promise<void> {
    if (revocations.length === 0) return;
    for (const revocation of revocations) this.revoked.apply(revocation);
    const at = new Date();
    await this.model.insertMany(
      revocations.map((revocation) => ({
        _id: randomUUID(),
        at,
        expires_at: new Date(revocation.expiresAt),
        ...('sid' in revocation
          ? { sid: revocation.sid }
          : { user_id: revocation.userId, not_before: revocation.notBefore }),
      })),
    );
    // Followers not subscribed read the collection within a second anyway.
    this.publisher
      ?.publish(REDIS_CHANNEL, JSON.stringify(revocations))
      .catch((error: Error) =>
        this.logger.debug(`Publishing revocations on Redis failed: ${error.message}`),
      );
  }

  /** Reads what is new in the collection, unless Redis delivers it; runs about once a second. */
  private async tick(): Promise<void> {
    if (this.reading || this.stopped) return;
    this.revoked.prune();
    if (this.redisCaughtUp && this.subscriber?.status === 'ready') {
      this.lastReadAt = Date.now();
      return;
    }
    this.reading = true;
    const subscribedBefore = this.subscriber?.status === 'ready';
    try {
      await this.readCollection();
      this.redisCaughtUp = subscribedBefore;
    } finally {
      this.reading = false;
    }
  }

  private async readCollection(): Promise<void> {
    const now = Date.now();
    try {
      // The first read takes every entry still useful; later ones what is new since the cursor.
      const filter =
        this.cursor === 0
          ? { expires_at: { $gt: new Date(now) } }
          : { at: { $gt: new Date(this.cursor - CURSOR_OVERLAP_MS) } };
      const entries = await this.model.find(filter).lean<RevocationDocument[]>().exec();
      for (const entry of entries) {
        this.revoked.apply(revocationOf(entry), now);
        this.cursor = Math.max(this.cursor, entry.at.getTime());
      }
      if (this.cursor === 0) this.cursor = now;
      this.lastReadAt = Date.now();
      if (this.failing) this.logger.log('The revocation feed can be read again');
      this.failing = false;
    } catch (error) {
      if (this.stopped) return;
      this.failures += 1;
      this.failing = true;
      if (this.failureLogDue.due())
        this.logger.warn(
          `The revocation feed cannot be read (${(error as Error).message}); serving with the revocations known ${Math.round((Date.now() - this.lastReadAt) / 1000)} s ago (logged once a minute)`,
        );
    }
  }

  private subscribe(url: string): void {
    this.publisher = connectRedis(url, FAIL_FAST);
    this.publisher.on('error', () => undefined);
    const subscriber = connectRedis(url, { ...FAIL_FAST, enableOfflineQueue: true });
    this.subscriber = subscriber;
    subscriber.on('error', (error: Error) => {
      this.redisCaughtUp = false;
      if (this.failureLogDue.due('redis'))
        this.logger.warn(
          `Redis for the revocation feed unreachable (${error.message}); reading it from MongoDB meanwhile (logged once a minute)`,
        );
    });
    // (Re)subscribed: what was published meanwhile is read from the collection on the next tick.
    subscriber.on('ready', () => (this.redisCaughtUp = false));
    subscriber.on('message', (_channel: string, message: string) => {
      try {
        for (const revocation of JSON.parse(message) as Revocation[])
          this.revoked.apply(revocation);
      } catch {
        this.logger.warn('Ignored a malformed message on the revocation channel');
      }
    });
    subscriber.subscribe(REDIS_CHANNEL).catch((error: Error) => {
      this.logger.warn(`Subscribing to revocations on Redis failed: ${error.message}`);
    });
  }
}

function revocationOf(entry: RevocationDocument): Revocation {
  const expiresAt = entry.expires_at.getTime();
  return entry.sid !== undefined
    ? { sid: entry.sid, expiresAt }
    : { userId: entry.user_id ?? '', notBefore: entry.not_before ?? 0, expiresAt };
}
