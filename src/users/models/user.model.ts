import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Node } from '../../graphql/models/node.interface';

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
}
