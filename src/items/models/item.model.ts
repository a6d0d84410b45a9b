import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import { DateTimeScalar } from '../../graphql/scalars/date-time.scalar';
import { Node } from '../../graphql/models/node.interface';

@ObjectType('ItemPriceType', { description: 'One price of an item, valid in a period.' })
export class ItemPriceModel {
  @Field(() => Float, { nullable: true, description: 'Price per unit.' })
  amount!: number;

  @Field(() => String, {
    nullable: true,
    description: 'Which discount scheme the price belongs to, e.g. "Volume".',
  })
  discount_schema?: string;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'First moment the price applies (UTC).',
  })
  valid_from?: Date;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'Moment the price stops applying (UTC); null: open-ended.',
  })
  valid_to?: Date;
}

@ObjectType('Item', { implements: () => [Node], description: 'Something that can be ordered.' })
export class ItemModel implements Node {
  readonly kind = 'Item' as const;

  @Field(() => ID, { description: 'Global id (`Item:<id>` in base64).' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Description shown to buyers.' })
  desc?: string;

  @Field(() => String, { nullable: true, description: 'Category, e.g. "Food".' })
  item_category?: string;

  @Field(() => [ItemPriceModel], {
    nullable: 'itemsAndList',
    description: 'Every price, past and present.',
  })
  item_price?: ItemPriceModel[];

  @Field(() => String, {
    nullable: true,
    description: "JSON text of the item's free-form details.",
  })
  item_details?: string;
}
