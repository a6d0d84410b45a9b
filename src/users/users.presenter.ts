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
