import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** The `credential` collection: owned by the auth module, never read by the API, never in GraphQL. */
@Schema({
  collection: 'credential',
  timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' },
  versionKey: false,
})
export class CredentialDocument {
  /** The user's id. */
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true, unique: true })
  username!: string;

  @Prop({ type: String, required: true })
  password_hash!: string;

  @Prop({ type: Boolean, default: false })
  disabled!: boolean;
}

export const CredentialSchema = SchemaFactory.createForClass(CredentialDocument);
