// First: refuses an old Node.js before anything that would crash on it is loaded.
import '../common/node-version';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { parseCli, wholeNumber } from '../common/cli';
import { AppConfigModule } from '../config/app-config.module';
import { loadConfig } from '../config/app-config';
import { DatabaseModule } from '../database/database.module';
import { DatabaseSupervisor } from '../database/database-supervisor';
import { beyondFerretdbScale, isFerretdb } from '../database/embedded-scale';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { BulkDataGenerator } from './bulk-generator';
import { SampleDataSeeder } from './sample-data.seeder';
import { MetricsModule } from '../metrics/metrics.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { SeedModule } from './seed.module';

const CLI = {
  usage: 'npm run seed -- [--users N --orders N [--items N] [--seed S]]',
  description:
    'Loads the sample data (data/sample-data.yaml) idempotently into the configured database\n(MONGODB_URI, or the embedded one), then optionally generates realistic data in bulk.',
  options: {
    users: { type: 'string', value: 'N', description: 'generate N users' },
    orders: { type: 'string', value: 'N', description: 'generate N orders' },
    items: {
      type: 'string',
      value: 'N',
      description: 'generate N items (default: from the orders)',
    },
    seed: { type: 'string', value: 'S', description: 'random seed of the generator (default 1)' },
  },
} as const;

let lastDrawn = 0;
function progressBar(done: number, total: number): void {
  const now = Date.now();
  if (done < total && now - lastDrawn < 200) return;
  lastDrawn = now;
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
}

/** `npm run seed`: loads the sample data into the configured (or embedded) database. */
async function main(): Promise<void> {
  const flags = parseCli(CLI);
  const users = wholeNumber('users', flags.users);
  const orders = wholeNumber('orders', flags.orders);
  const config = loadConfig({ ...process.env, SEED_SAMPLE_DATA: 'false' });
  @Module({
    imports: [
      AppConfigModule.forRoot(config),
      DatabaseModule.forRoot(config),
      // The auth module it seeds through limits sign-ins; nothing is served, so nothing is measured.
      MetricsModule.forRoot({ ...config, metrics: { port: 'off' } }),
      RateLimitsModule,
      SeedModule,
    ],
  })
  class SeedCliModule {}
  const app = await NestFactory.createApplicationContext(SeedCliModule, {
    logger: ['error', 'warn'],
  });
  try {
    await app.get(DatabaseSupervisor).whenConnected();
    const started = Date.now();
    const report = await app.get(SampleDataSeeder).seed();
    console.log(
      `Sample data loaded: ${report.users} users, ${report.items} items, ${report.orders} orders (${Date.now() - started} ms)`,
    );
    if (users || orders) {
      const items = wholeNumber('items', flags.items);
      const warning = beyondFerretdbScale({ users, items, orders });
      if (warning && (await isFerretdb(app.get<Connection>(getConnectionToken()))))
        console.log(warning);
      const generated = await app.get(BulkDataGenerator).generate({
        users: users ?? 0,
        orders: orders ?? 0,
        items,
        seed: wholeNumber('seed', flags.seed) ?? 1,
        onProgress: progressBar,
      });
      process.stderr.write('\n');
      const rate = Math.round(
        (generated.users + generated.items + generated.orders) / Math.max(generated.seconds, 0.001),
      );
      console.log(
        `Generated ${generated.users} users, ${generated.items} items, ${generated.orders} orders in ${generated.seconds.toFixed(1)} s (${rate} documents/s)`,
      );
      if (generated.existing > 0)
        console.log(
          `${generated.existing} of them were there already (generated before with seed ${flags.seed ?? 1}) and were left as they are; for different data, pass another --seed.`,
        );
    }
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
