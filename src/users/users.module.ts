import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { UserDocument, UserSchema } from './user.model';
import { UsersLoaders } from './users.loaders';
import { UsersRepository } from './users.repository';
import { UsersResolver } from './users.resolver';
import { UsersService } from './users.service';

/** User profiles, the `user` collection and its rules: what the auth endpoint, orders and the seeder import. */
@Module({
  imports: [MongooseModule.forFeature([{ name: UserDocument.name, schema: UserSchema }])],
  providers: [UsersRepository, UsersService],
  exports: [UsersRepository, UsersService],
})
export class UsersModule {}

/**
 * The users' GraphQL side (resolvers, loaders, `node`), mounted by the API
 * (src/api/features.ts); apart, so a process without the API loads none of it.
 */
@Module({ imports: [UsersModule], providers: [UsersResolver, UsersLoaders] })
export class UsersGraphQLModule {}
