import { Module } from '@nestjs/common';
import { AuthEndpointModule } from '../auth/auth-endpoint.module';
import { ItemsModule } from '../items/items.module';
import { OrdersModule } from '../orders/orders.module';
import { UsersModule } from '../users/users.module';
import { BulkDataGenerator } from './bulk-generator';
import { SampleDataSeeder } from './sample-data.seeder';

@Module({
  imports: [UsersModule, ItemsModule, OrdersModule, AuthEndpointModule],
  providers: [SampleDataSeeder, BulkDataGenerator],
  exports: [SampleDataSeeder, BulkDataGenerator],
})
export class SeedModule {}
