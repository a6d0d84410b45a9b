import { Field, InputType } from '@nestjs/graphql';

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
