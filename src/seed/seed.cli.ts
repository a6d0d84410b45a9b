import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { AppConfigModule } from '../config/app-config.module';
import { ConfigError, loadConfig } from '../config/app-config';
import { DatabaseModule } from '../database/database.module';
import { DatabaseSupervisor } from '../database/database-supervisor';
import { SampleDataSeeder } from './sample-data.seeder';
import { SeedModule } from './seed.module';

/** `npm run seed`: loads the sample data into the configured (or embedded) database. */
async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, SEED_SAMPLE_DATA: 'false' });
  @Module({
    imports: [AppConfigModule.forRoot(config), DatabaseModule.forRoot(config), SeedModule],
  })
  class SeedCliModule {}
  const app = await NestFactory.createApplicationContext(SeedCliModule, {
    logger: ['error', 'warn'],
  });
  try {
    await app.get(DatabaseSupervisor).whenConnected();
    const started = Date.now();
    const report = await app.get(SampleDataSeeder).seed();
    console.log(`Sample data loaded: ${report.users} users (${Date.now() - started} ms)`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError ? error.message : error instanceof Error ? error.message : error,
  );
  process.exit(1);
});
