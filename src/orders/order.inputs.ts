import { Field, Float, ID, InputType } from '@nestjs/graphql';
import { DateTimeScalar } from '../graphql/scalars/date-time.scalar';

@InputType('OrderItemInput', { description: 'One line of a new order.' })
export class OrderItemInput {
  @Field(() => ID, { description: 'Global id of the item.' })
  item_id!: string;

  @Field(() => Float, { description: 'How many; more than 0.' })
  quantity!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      "What the line costs in all, at least 0; default: the item's current price times quantity.",
  })
  amount?: number | null;

  @Field(() => String, {
    nullable: true,
    description: "JSON object overriding some of the item's details for this line.",
  })
  item_details?: string | null;
}

@InputType('OrderInput', { description: 'A new order.' })
export class OrderInput {
  @Field(() => ID, { description: 'Global id of the buyer: the viewer, or anyone for an admin.' })
  user_id!: string;

  @Field(() => ID, { nullable: true, description: 'Global id of the payer; default: the buyer.' })
  payer_id?: string | null;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'When the order was placed; default: now.',
  })
  order_date?: Date | null;

  @Field(() => [OrderItemInput], { description: 'The lines; at least one.' })
  order_items!: (OrderItemInput | null)[];
}

@InputType('CreateOrderInput', { description: 'Arguments of createOrder.' })
export class CreateOrderInput {
  @Field(() => OrderInput, { nullable: true, description: 'The order to create.' })
  order_data?: OrderInput | null;

  @Field(() => String, { nullable: true, description: 'Echoed back in the payload (Relay).' })
  clientMutationId?: string | null;
}
