import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema, Types } from 'mongoose';
import { newDbId } from '../common/ids';

/** One line of an order; it keeps its own id so lines can be paged and refetched. */
@Schema({ versionKey: false, minimize: false })
export class OrderLineDocument {
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
