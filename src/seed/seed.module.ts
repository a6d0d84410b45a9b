import { Module } from '@nestjs/common';
import { AuthEndpointModule } from '../auth/auth-endpoint.module';
import { UsersModule } from '../users/users.module';
import { SampleDataSeeder } from './sample-data.seeder';

@Module({
  imports: [UsersModule, AuthEndpointModule],
  providers: [SampleDataSeeder],
  exports: [SampleDataSeeder],
})
export class SeedModule {}
