import { Context, Query, Resolver } from '@nestjs/graphql';
import type { GraphQLContext } from '../graphql/graphql-context';
import { UserModel } from './models/user.model';
import { presentUser } from './users.presenter';

@Resolver(() => UserModel)
export class UsersResolver {
  @Query(() => UserModel, {
    nullable: true,
    description: 'The signed-in user; null if their profile no longer exists.',
  })
  async viewer(@Context() context: GraphQLContext): Promise<UserModel | null> {
    const user = await context.loaders.users.load(context.viewer.user_id);
    return user ? presentUser(user, context.viewer) : null;
  }
}
