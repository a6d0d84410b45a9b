import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('PageInfo', {
  description: 'Where a page sits in its list (Relay cursor connections).',
})
export class PageInfo {
  @Field(() => Boolean, { description: 'More items follow the last edge of this page.' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'More items come before the first edge of this page.' })
  hasPreviousPage!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'Cursor of the first edge; null on an empty page.',
  })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Cursor of the last edge; null on an empty page.',
  })
  endCursor!: string | null;
}
