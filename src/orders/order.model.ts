import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema, Types } from 'mongoose';
import { newDbId, toGlobalId } from '../common/ids';
import { CompletionObj } from '../graphql/models/completion-obj.model';
import { ConnectionType } from '../graphql/models/connection.factory';
import { Node } from '../graphql/models/node.interface';
import { DateTimeScalar } from '../graphql/scalars/date-time.scalar';

/** A line joined with its item: what OrderItem shows, and what its sort and filter see. */
export interface JoinedLine {
  readonly _id: string;
  readonly item_id: string;
  readonly quantity: number;
  readonly amount: number;
  readonly desc: string | null;
  readonly item_category: string | null;
  readonly item_details: Record<string, unknown>;
}

export interface OrderLine {
  readonly _id: Types.ObjectId;
  readonly item_id: string;
  readonly quantity: number;
  readonly amount: number;
  readonly item_details?: Record<string, unknown>;
}

/** An order as the rest of the code sees it (a plain object). */
export interface Order {
  readonly _id: string;
  readonly user_id: string;
  readonly payer_id: string;
  readonly order_date?: Date;
  readonly order_items: readonly OrderLine[];
  readonly created_at?: Date;
}

export type NewOrder = Omit<Order, 'order_items' | 'created_at'> & {
  readonly order_items: readonly Omit<OrderLine, '_id'>[];
};

/** One line of an order; it keeps its own id so lines can be paged and refetched. */
@Schema({ versionKey: false, minimize: false })
class OrderLineDocument {
  _id!: Types.ObjectId;

  @Prop({ type: String, required: true })
  item_id!: string;

  @Prop({
    type: Number,
    required: true,
    validate: { validator: (v: number) => v > 0, message: 'quantity must be greater than 0' },
  })
  quantity!: number;

  @Prop({ type: Number, required: true, min: [0, 'amount must not be negative'] })
  amount!: number;

  /** The line's overrides of the item's details. */
  @Prop({ type: MongooseSchema.Types.Mixed, default: () => ({}) })
  item_details!: Record<string, unknown>;
}
const OrderLineSchema = SchemaFactory.createForClass(OrderLineDocument);

/** The `user_order` collection, with the demo's field names. */
@Schema({
  collection: 'user_order',
  timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' },
  versionKey: false,
})
export class OrderDocument {
  @Prop({ type: String, default: newDbId })
  _id!: string;

  /** The buyer. */
  @Prop({ type: String, required: true, index: true })
  user_id!: string;

  @Prop({ type: String, required: true, index: true })
  payer_id!: string;

  @Prop({ type: Date })
  order_date?: Date;

  @Prop({ type: [OrderLineSchema], default: [] })
  order_items!: OrderLineDocument[];
}

export const OrderSchema = SchemaFactory.createForClass(OrderDocument);
OrderSchema.index({ user_id: 1, payer_id: 1 });
OrderSchema.index({ user_id: 1, order_date: -1 });
// Keyset paging of one user's orders by each documented sort field.
OrderSchema.index({ user_id: 1, order_date: 1, _id: 1 });
OrderSchema.index({ user_id: 1, created_at: 1, _id: 1 });
OrderSchema.index({ user_id: 1, _id: 1 });
OrderSchema.index({ 'order_items._id': 1 });
OrderSchema.index({ 'order_items.item_id': 1 });

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

  static from(order: Order): OrderModel {
    return Object.assign(new OrderModel(), {
      order,
      id: toGlobalId('UserOrder', order._id),
      user_id: toGlobalId('User', order.user_id),
      payer_id: toGlobalId('User', order.payer_id),
      order_date: order.order_date,
    });
  }
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

  /** A line joined with its item, as the API shows it. */
  static from(line: JoinedLine): OrderItemModel {
    return Object.assign(new OrderItemModel(), {
      itemDbId: line.item_id,
      id: toGlobalId('OrderItem', line._id),
      item_id: toGlobalId('Item', line.item_id),
      desc: line.desc,
      item_category: line.item_category,
      quantity: line.quantity,
      amount: line.amount,
      item_details: JSON.stringify(line.item_details),
    });
  }
}

export const UserOrderConnection = ConnectionType(OrderModel, 'UserOrder', 'orders');
export const OrderItemConnection = ConnectionType(OrderItemModel, 'OrderItem', 'order lines');

@ObjectType('CreateOrderPayload', { description: 'What createOrder did.' })
export class CreateOrderPayload {
  @Field(() => ID, {
    nullable: true,
    description: 'Global id of the new order; null when it was not created.',
  })
  order_id?: string | null;

  @Field(() => CompletionObj, {
    description: 'The outcome (code "0" success, "1" failure, msg_id, msg).',
  })
  completionObj!: CompletionObj;

  @Field(() => String, { nullable: true, description: 'The clientMutationId sent with the input.' })
  clientMutationId?: string | null;
}
