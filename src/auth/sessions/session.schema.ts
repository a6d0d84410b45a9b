import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

export const SESSION_COLLECTION = 'session';

/**
 * The `session` collection, owned by the auth module: one document per
 * sign-in, found by its id (`sid`, also in the access tokens and at the
 * front of the refresh token). Removed once `expires_at` has passed.
 */
@Schema({ collection: SESSION_COLLECTION, versionKey: false })
export class SessionDocument {
  /** The session's id (`sid`). */
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true })
  user_id!: string;

  @Prop({ type: Date, required: true })
  created_at!: Date;

  /** The last refresh (or the sign-in). */
  @Prop({ type: Date, required: true })
  last_used_at!: Date;

  /** A short summary such as "Chrome on Linux"; never the whole header. */
  @Prop({ type: String, default: '' })
  user_agent!: string;

  /** Seconds since the epoch: the password sign-in that started the session. */
  @Prop({ type: Number, required: true })
  auth_time!: number;

  /** `auth_time` + SESSION_MAX_AGE: the session ends then, whatever happens. */
  @Prop({ type: Date, required: true })
  expires_at!: Date;

  /** SHA-256 of the current refresh token (the token itself is never stored). */
  @Prop({ type: String, required: true })
  refresh_hash!: string;

  /** The token family: hashes of the refresh tokens this session replaced, newest last; one of them coming back is reuse. */
  @Prop({ type: [String], default: [] })
  family!: string[];

  /** Set when the session was revoked; kept until `expires_at` so a reused token is answered "revoked". */
  @Prop({ type: Date })
  revoked_at?: Date;
}

export const SessionSchema = SchemaFactory.createForClass(SessionDocument);
// A user's live sessions, and the expiry sweep (created by a migration in production).
SessionSchema.index({ user_id: 1, expires_at: 1 });
SessionSchema.index({ expires_at: 1 });
