import { Args, Context, Info, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { Viewer as ViewerType } from '../common/viewer';
import { Viewer } from '../graphql/viewer.decorator';
import { toGlobalId } from '../common/ids';
import { toConnection } from '../graphql/connections';
import { ListArgs, listRequest } from '../graphql/dto/list.args';
import type { GraphQLContext } from '../graphql/graphql-context';
import { completionObj } from '../graphql/models/completion-obj.model';
import type { Connection } from '../graphql/models/connection.factory';
import { CreateUserInput } from './user.inputs';
import { CreateUserPayload, UserConnection, UserModel } from './user.model';
import { loadUserFor } from './users.loaders';
import { UsersService } from './users.service';

@Resolver(() => UserModel)
export class UsersResolver {
  constructor(private readonly users: UsersService) {}

  @Query(() => UserModel, {
    nullable: true,
    description: 'The signed-in user; null if their profile no longer exists.',
  })
  async viewer(
    @Viewer() viewer: ViewerType,
    @Context() context: GraphQLContext,
  ): Promise<UserModel | null> {
    return loadUserFor(context.loaders, viewer, viewer.user_id);
  }

  @Query(() => UserModel, {
    nullable: true,
    description:
      'The first user matching a JSON filter (same rules as filterValuesString), or null.',
  })
  async getUser(
    @Args('item_query', {
      type: () => String,
      description: 'JSON filter over user fields, e.g. {"full_name": "John Public"}.',
    })
    itemQuery: string,
    @Viewer() viewer: ViewerType,
  ): Promise<UserModel | null> {
    const user = await this.users.findFirst(viewer, itemQuery);
    return user ? UserModel.from(user) : null;
  }

  @Query(() => UserConnection, {
    nullable: true,
    description: 'Users, sortable by full_name, username, primary_locale, created_at; filterable.',
  })
  async listUsers(
    @Args() args: ListArgs,
    @Viewer() viewer: ViewerType,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<UserModel>> {
    const page = await this.users.list(viewer, listRequest(args, info));
    return toConnection(page, UserModel.from);
  }

  @Mutation(() => CreateUserPayload, {
    nullable: true,
    description:
      'Creates a user profile (admins only; people sign up at /auth/signup). Outcome in completionObj: 001, DU01-DU03, EU01.',
  })
  async createUser(
    @Args('input', {
      type: () => CreateUserInput,
      description: 'The profile and a clientMutationId.',
    })
    input: CreateUserInput,
    @Viewer() viewer: ViewerType,
  ): Promise<CreateUserPayload> {
    const outcome = await this.users.createAs(viewer, input.user_data);
    return {
      user_id: outcome.kind === 'created' ? toGlobalId('User', outcome.user._id) : null,
      completionObj: completionObj(outcome),
      clientMutationId: input.clientMutationId ?? null,
    };
  }
}
