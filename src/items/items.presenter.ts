import { toGlobalId } from '../common/ids';
import type { Item } from './item';
import { ItemModel } from './models/item.model';

export function presentItem(item: Item): ItemModel {
  return Object.assign(new ItemModel(), {
    id: toGlobalId('Item', item._id),
    desc: item.desc,
    item_category: item.item_category,
    item_price: item.item_price.map((price) => ({
      amount: price.amount,
      discount_schema: price.discount_schema,
      valid_from: price.valid_from,
      valid_to: price.valid_to,
    })),
    item_details: JSON.stringify(item.item_details ?? {}),
  });
}
