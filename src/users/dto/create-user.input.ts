import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { CompletionObj } from '../../graphql/models/completion-obj.model';

@InputType('UserInput', { description: 'A new user profile.' })
export class UserInput {
  @Field(() => String, { nullable: true, description: 'Full name.' })
  full_name?: string | null;

  @Field(() => String, {
    description: 'Unique sign-in name: 3-100 letters, digits, dots, dashes or underscores.',
  })
  username!: string;

  @Field(() => String, { description: 'Unique, valid email address.' })
  primary_email!: string;

  @Field(() => String, { nullable: true, description: 'Preferred locale; default "en".' })
  primary_locale?: string | null;
}

@InputType('CreateUserInput', { description: 'Arguments of createUser.' })
export class CreateUserInput {
  @Field(() => UserInput, { nullable: true, description: 'The profile to create.' })
  user_data?: UserInput | null;

  @Field(() => String, { nullable: true, description: 'Echoed back in the payload (Relay).' })
  clientMutationId?: string | null;
}

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
