import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';
import { newDbId } from '../common/ids';

@Schema({ _id: false, versionKey: false })
export class ItemPriceDocument {
  @Prop({ type: Number, required: true })
  amount!: number;

  @Prop({ type: String, default: 'Volume' })
  discount_schema!: string;

  @Prop({ type: Date, default: () => new Date('2018-02-01T00:00:00Z') })
  valid_from!: Date;

  @Prop({ type: Date })
  valid_to?: Date;
}
const ItemPriceSchema = SchemaFactory.createForClass(ItemPriceDocument);

/** The `item` collection, with the demo's field names. */
@Schema({
  collection: 'item',
  timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' },
  versionKey: false,
  minimize: false,
})
export class ItemDocument {
  @Prop({ type: String, default: newDbId })
  _id!: string;

  @Prop({ type: String, required: true })
  desc!: string;

  @Prop({ type: String, required: true, index: true })
  item_category!: string;

  @Prop({ type: MongooseSchema.Types.Mixed, default: () => ({}) })
  item_details!: Record<string, unknown>;

  @Prop({ type: [ItemPriceSchema], required: true })
  item_price!: ItemPriceDocument[];
}

export const ItemSchema = SchemaFactory.createForClass(ItemDocument);
ItemSchema.index({ desc: 1, _id: 1 });
ItemSchema.index({ item_category: 1, _id: 1 });
