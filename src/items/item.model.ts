import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';
import { newDbId, toGlobalId } from '../common/ids';
import { Node } from '../graphql/models/node.interface';
import { ConnectionType } from '../graphql/models/connection.factory';
import { DateTimeScalar } from '../graphql/scalars/date-time.scalar';

/** An item as the rest of the code sees it (a plain object). */
export interface Item {
  readonly _id: string;
  readonly desc: string;
  readonly item_category: string;
  readonly item_details?: Record<string, unknown>;
  readonly item_price: readonly ItemPrice[];
}

interface ItemPrice {
  readonly amount: number;
  readonly discount_schema?: string;
  readonly valid_from?: Date;
  readonly valid_to?: Date;
}

@Schema({ _id: false, versionKey: false })
class ItemPriceDocument {
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

@ObjectType('ItemPriceType', { description: 'One price of an item, valid in a period.' })
class ItemPriceModel {
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

  /** The database id, for other features' fields on Item (not in the schema). */
  dbId!: string;

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

  static from(item: Item): ItemModel {
    return Object.assign(new ItemModel(), {
      id: toGlobalId('Item', item._id),
      dbId: item._id,
      desc: item.desc,
      item_category: item.item_category,
      item_price: item.item_price,
      item_details: JSON.stringify(item.item_details ?? {}),
    });
  }
}

export const ItemConnection = ConnectionType(ItemModel, 'Item', 'items');
