import { Module } from '@nestjs/common';
import { UsersModule } from './users.module';
import { UsersResolver } from './users.resolver';

@Module({ imports: [UsersModule], providers: [UsersResolver] })
export class UsersGraphQLModule {}
