import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { newDbId } from '../common/ids';
import { ROLES, type Role } from '../common/viewer';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The `user` collection, with the demo's field names. */
@Schema({
  collection: 'user',
  timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' },
  versionKey: false,
})
export class UserDocument {
  @Prop({ type: String, default: newDbId })
  _id!: string;

  @Prop({ type: String })
  full_name?: string;

  @Prop({ type: String, required: true, unique: true, trim: true, minlength: 1, maxlength: 100 })
  username!: string;

  @Prop({
    type: String,
    required: true,
    unique: true,
    trim: true,
    lowercase: true,
    maxlength: 254,
    validate: {
      validator: (v: string) => EMAIL.test(v),
      message: 'primary_email must be a valid email address',
    },
  })
  primary_email!: string;

  @Prop({ type: String, required: true, default: 'en', maxlength: 35 })
  primary_locale!: string;

  @Prop({ type: [String], enum: ROLES, default: ['user'] })
  roles!: Role[];

  created_at?: Date;
  updated_at?: Date;
}

export const UserSchema = SchemaFactory.createForClass(UserDocument);
// Keyset paging on every documented sort field walks an index.
for (const field of ['full_name', 'username', 'primary_locale', 'created_at'] as const) {
  UserSchema.index({ [field]: 1, _id: 1 });
}
