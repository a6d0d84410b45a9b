import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import { DateTimeScalar } from '../../graphql/scalars/date-time.scalar';
import { Node } from '../../graphql/models/node.interface';
import type { Order } from '../order';

@ObjectType('UserOrder', {
  implements: () => [Node],
  description: 'An order: who bought, who pays, and its lines.',
})
export class OrderModel implements Node {
  readonly kind = 'UserOrder' as const;
  /** The stored order, for the field resolvers (not in the schema). */
  order!: Order;

  @Field(() => ID, { description: 'Global id (`UserOrder:<id>` in base64).' })
  id!: string;

  @Field(() => ID, { description: 'Global id of the buyer.' })
  user_id!: string;

  @Field(() => ID, { description: 'Global id of the payer (the buyer unless said otherwise).' })
  payer_id!: string;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'When the order was placed (UTC).',
  })
  order_date?: Date;
}

@ObjectType('OrderItem', {
  implements: () => [Node],
  description: 'One line of an order, joined with its item.',
})
export class OrderItemModel implements Node {
  readonly kind = 'OrderItem' as const;
  /** Database id of the item (not in the schema). */
  itemDbId!: string;

  @Field(() => ID, { description: 'Global id of this line (`OrderItem:<line id>`).' })
  id!: string;

  @Field(() => ID, { description: 'Global id of the item.' })
  item_id!: string;

  @Field(() => String, {
    nullable: true,
    description: "The item's description; null if the item no longer exists.",
  })
  desc?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The item's category; null if the item no longer exists.",
  })
  item_category?: string | null;

  @Field(() => Float, { description: 'How many.' })
  quantity!: number;

  @Field(() => Float, { description: 'What the line costs in all.' })
  amount!: number;

  @Field(() => String, {
    nullable: true,
    description: "JSON text: the item's details shallow-merged with this line's overrides.",
  })
  item_details!: string;
}
