import type { GraphQLContext } from '../graphql/graphql-context';
import { canSeePrivateDataOf, type Viewer } from '../common/viewer';
import { toGlobalId } from '../common/ids';
import { UserModel } from './models/user.model';
import type { User } from './user';

/** A user as this viewer may see it: the email only for themselves or an admin. */
export function presentUser(user: User, viewer: Viewer): UserModel {
  return Object.assign(new UserModel(), {
    dbId: user._id,
    id: toGlobalId('User', user._id),
    full_name: user.full_name,
    username: user.username,
    primary_email: canSeePrivateDataOf(viewer, user._id) ? user.primary_email : null,
    primary_locale: user.primary_locale ?? 'en',
  });
}

/** The user with this id as the viewer may see them (batched through the request's loader), or null. */
export async function loadUserFor(
  context: GraphQLContext,
  userId: string,
): Promise<UserModel | null> {
  const user = await context.loaders.users.load(userId);
  return user ? presentUser(user, context.viewer) : null;
}
