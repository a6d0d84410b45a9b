import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { toGlobalId, newDbId } from '../common/ids';
import { ROLES, type Role } from '../common/viewer';
import { CompletionObj } from '../graphql/models/completion-obj.model';
import { ConnectionType } from '../graphql/models/connection.factory';
import { Node } from '../graphql/models/node.interface';

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

declare const seenThroughVisibleTo: unique symbol;
/** A user as one viewer may see them, the email null if not theirs: made only by `visibleTo`. */
export type VisibleUser = Omit<User, 'primary_email'> & {
  readonly primary_email: string | null;
  readonly [seenThroughVisibleTo]: true;
};

export interface NewUser {
  readonly _id?: string;
  readonly full_name?: string;
  readonly username: string;
  readonly primary_email: string;
  readonly primary_locale?: string;
  readonly roles?: readonly Role[];
}

/** A plausible email address: checked by the schema and by UsersService.validate. */
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

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

@ObjectType('User', {
  implements: () => [Node],
  description: 'A person who can sign in, buy and pay for orders.',
})
export class UserModel implements Node {
  readonly kind = 'User' as const;
  /** Database id, for field resolvers (not in the schema). */
  dbId!: string;

  @Field(() => ID, { description: 'Global id (`User:<id>` in base64).' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Full name, as the user gave it.' })
  full_name?: string;

  @Field(() => String, { description: 'Unique sign-in name.' })
  username?: string;

  @Field(() => String, {
    nullable: true,
    description: 'Primary email address; null unless the viewer is this user or an admin.',
  })
  primary_email?: string | null;

  @Field(() => String, { description: 'Preferred locale, such as `en`.' })
  primary_locale!: string;

  /** The GraphQL fields of a user as the users service lets the viewer see them. */
  static from(user: VisibleUser): UserModel {
    return Object.assign(new UserModel(), {
      dbId: user._id,
      id: toGlobalId('User', user._id),
      full_name: user.full_name,
      username: user.username,
      primary_email: user.primary_email,
      primary_locale: user.primary_locale ?? 'en',
    });
  }
}

export const UserConnection = ConnectionType(UserModel, 'User', 'users');

@ObjectType('CreateUserPayload', { description: 'What createUser did.' })
export class CreateUserPayload {
  @Field(() => ID, {
    nullable: true,
    description: 'Global id of the new user; null when it was not created.',
  })
  user_id?: string | null;

  @Field(() => CompletionObj, {
    description: 'The outcome (code "0" success, "1" failure, msg_id, msg).',
  })
  completionObj!: CompletionObj;

  @Field(() => String, { nullable: true, description: 'The clientMutationId sent with the input.' })
  clientMutationId?: string | null;
}
