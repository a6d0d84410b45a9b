import { Module } from '@nestjs/common';
import { UsersGraphQLRegistrations } from './users.loaders';
import { UsersModule } from './users.module';
import { UsersResolver } from './users.resolver';

/** The users feature's GraphQL side: resolvers, loader, node type. */
@Module({ imports: [UsersModule], providers: [UsersResolver, UsersGraphQLRegistrations] })
export class UsersGraphQLModule {}
