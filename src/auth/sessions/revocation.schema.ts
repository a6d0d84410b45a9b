import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

export const REVOCATION_COLLECTION = 'session_revocation';

/**
 * The revocation feed every API process follows (docs/auth.md, Sessions): an entry is removed
 * after `expires_at`, once no access token it revokes can still be valid.
 */
@Schema({ collection: REVOCATION_COLLECTION, versionKey: false })
export class RevocationDocument {
  @Prop({ type: String, required: true })
  _id!: string;

  /** When it was written: followers read from a cursor on it. */
  @Prop({ type: Date, required: true })
  at!: Date;

  /** A revoked session: its tokens are refused. */
  @Prop({ type: String })
  sid?: string;

  /** With `not_before`: every token of this user issued before that second is refused. */
  @Prop({ type: String })
  user_id?: string;

  @Prop({ type: Number })
  not_before?: number;

  /** The longest an access token issued before `at` may live: the entry is useless after it. */
  @Prop({ type: Date, required: true })
  expires_at!: Date;
}

export const RevocationSchema = SchemaFactory.createForClass(RevocationDocument);
// The feed's cursor, and the first read and the expiry sweep (created by a migration in production).
RevocationSchema.index({ at: 1 });
RevocationSchema.index({ expires_at: 1 });
