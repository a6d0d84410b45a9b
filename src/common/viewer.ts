/** The roles a token may carry (docs/api.md, Who may see what). */
export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as the verified token says: no database lookup made it. */
export interface Viewer {
  readonly user_id: string;
  readonly locale: string;
  readonly roles: readonly Role[];
}

export function isAdmin(viewer: Viewer): boolean {
  return viewer.roles.includes('admin');
}

/** The viewer is this user, or an admin. */
export function canSeePrivateDataOf(viewer: Viewer, userId: string): boolean {
  return viewer.user_id === userId || isAdmin(viewer);
}
