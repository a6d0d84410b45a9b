import type { Role } from '../common/viewer';

/** A user as the rest of the code sees it: a plain object, never a Mongoose document. */
export interface User {
  readonly _id: string;
  readonly full_name?: string;
  readonly username: string;
  readonly primary_email: string;
  readonly primary_locale: string;
  /** Absent in the demo's old data, which means `['user']`. */
  readonly roles: readonly Role[];
  readonly created_at?: Date;
  readonly updated_at?: Date;
}

export interface NewUser {
  readonly _id?: string;
  readonly full_name?: string;
  readonly username: string;
  readonly primary_email: string;
  readonly primary_locale?: string;
  readonly roles?: readonly Role[];
}
