import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { onEachClient, type DatabaseClient } from '../database/client-events';
import { DEFAULT_MAX_POOL_SIZE } from '../database/database-supervisor';
import { AppMetrics } from './app-metrics';

/** Command durations and connection-pool use, from the driver's own events. */
@Injectable()
export class DatabaseMetrics implements OnModuleInit {
  private open = 0;
  private inUse = 0;
  private checkoutFailures = 0;

  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly metrics: AppMetrics,
  ) {}

  onModuleInit(): void {
    if (!this.metrics.enabled) return;
    this.metrics.gaugeFrom(
      'mongodb_pool_connections',
      'Connections of this process to MongoDB: open (in the pool) and in_use (checked out by a command).',
      ['state'],
      () => [
        [{ state: 'open' }, this.open],
        [{ state: 'in_use' }, this.inUse],
      ],
    );
    this.metrics.gaugeFrom(
      'mongodb_pool_max_connections',
      'The most connections the pool may open (maxPoolSize).',
      [],
      () => [[{}, this.maxPoolSize()]],
    );
    this.metrics.counterFrom(
      'mongodb_pool_checkout_failures_total',
      'Commands that could not get a connection (pool closed, timeout, connection error).',
      [],
      () => [[{}, this.checkoutFailures]],
    );
    onEachClient(this.connection, (client) => {
      client.on('commandSucceeded', (event) =>
        this.metrics.databaseCommand(event.commandName, 'ok', event.duration),
      );
      client.on('commandFailed', (event) =>
        this.metrics.databaseCommand(event.commandName, 'failed', event.duration),
      );
      client.on('connectionCreated', () => (this.open += 1));
      client.on('connectionClosed', () => (this.open = Math.max(0, this.open - 1)));
      client.on('connectionCheckedOut', () => (this.inUse += 1));
      client.on('connectionCheckedIn', () => (this.inUse = Math.max(0, this.inUse - 1)));
      client.on('connectionCheckOutFailed', () => (this.checkoutFailures += 1));
    });
  }

  /** What the driver was given (the URI's `maxPoolSize`, or the default). */
  private maxPoolSize(): number {
    const client = this.connection.getClient() as DatabaseClient | undefined;
    return client?.options.maxPoolSize ?? DEFAULT_MAX_POOL_SIZE;
  }
}
