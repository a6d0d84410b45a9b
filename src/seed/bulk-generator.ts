import { Injectable } from '@nestjs/common';
import { BASE62 } from '../common/ids';
import type { Item } from '../items/item.model';
import { ItemsRepository } from '../items/items.repository';
import type { NewOrder } from '../orders/order.model';
import { OrdersRepository } from '../orders/orders.repository';
import type { NewUser } from '../users/user.model';
import { UsersRepository } from '../users/users.repository';

/** Space-separated words as a list. */
const words = (text: string) => text.split(' ');
const FIRST = words(
  'Ada Ben Chloe Dmitri Elena Farid Grace Hiro Ines Jonas Kemal Lena Mateo Nia Omar Priya Quinn Rosa Sven Tara Uma Victor Wen Yara Zoe',
);
const LAST = words(
  'Andersen Baptiste Chen Dubois Esposito Fischer Garcia Haddad Ivanova Jensen Kowalski Lopez Moreau Nakamura Okafor Petrov Rossi Silva Tanaka Weber',
);
const LOCALES = ['en', 'en', 'en', 'de', 'fr', 'es', 'pt-BR', 'ja'];
const CATEGORIES = ['Consumer', 'Food', 'Garden', 'Office', 'Toys', 'Tools'];
const NOUNS = words('Kettle Notebook Lamp Backpack Tea Coffee Rake Drill Puzzle Chair Mug Blanket');
const ADJECTIVES = ['Small', 'Large', 'Green', 'Organic', 'Classic', 'Compact', 'Deluxe', 'Basic'];

/** mulberry32: small, fast and deterministic for a seed (not for secrets). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenerateOptions {
  readonly users: number;
  readonly orders: number;
  readonly items?: number;
  readonly seed?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Realistic generated data in bulk (batched inserts), the same for the same seed. */
@Injectable()
export class BulkDataGenerator {
  constructor(
    private readonly users: UsersRepository,
    private readonly items: ItemsRepository,
    private readonly orders: OrdersRepository,
  ) {}

  async generate(options: GenerateOptions) {
    const started = Date.now();
    const random = prng(options.seed ?? 1);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
    const id = () => Array.from({ length: 12 }, () => BASE62[Math.floor(random() * 62)]).join('');
    const batch = 1000; // documents per insert
    const itemCount = options.items ?? Math.min(500, Math.max(10, Math.ceil(options.orders / 100)));
    const total = options.users + itemCount + options.orders;
    const tag = (options.seed ?? 1).toString(36);
    let done = 0;
    let existing = 0;
    const insert = async (write: Promise<{ existing: number }>, n: number) => {
      existing += (await write).existing;
      done += n;
      options.onProgress?.(done, total);
    };

    const itemIds: string[] = [];
    for (let start = 0; start < itemCount; start += batch) {
      const chunk: Item[] = [];
      for (let i = start; i < Math.min(itemCount, start + batch); i += 1) {
        const _id = id();
        itemIds.push(_id);
        chunk.push({
          _id,
          desc: `${pick(ADJECTIVES)} ${pick(NOUNS)} ${i}`,
          item_category: pick(CATEGORIES),
          item_details: { weight_lb: Math.round(random() * 1000) / 100 },
          item_price: [
            {
              amount: Math.round(random() * 10000) / 100,
              discount_schema: 'Volume',
              valid_from: new Date('2018-02-01T00:00:00Z'),
            },
          ],
        });
      }
      await insert(this.items.insertMany(chunk), chunk.length);
    }

    const userIds: string[] = [];
    for (let start = 0; start < options.users; start += batch) {
      const chunk: NewUser[] = [];
      for (let i = start; i < Math.min(options.users, start + batch); i += 1) {
        const _id = id();
        userIds.push(_id);
        const first = pick(FIRST);
        const last = pick(LAST);
        chunk.push({
          _id,
          full_name: `${first} ${last}`,
          username: `${first.toLowerCase()}.${last.toLowerCase()}.${tag}${i}`,
          primary_email: `${first.toLowerCase()}.${last.toLowerCase()}.${tag}${i}@example.com`,
          primary_locale: pick(LOCALES),
          roles: ['user'],
        });
      }
      await insert(this.users.insertMany(chunk), chunk.length);
    }

    for (let start = 0; start < options.orders; start += batch) {
      const chunk: NewOrder[] = [];
      for (let i = start; i < Math.min(options.orders, start + batch); i += 1) {
        const buyer = userIds.length ? pick(userIds) : id();
        const lines = 1 + Math.floor(random() * 4);
        chunk.push({
          _id: id(),
          user_id: buyer,
          payer_id: random() < 0.9 ? buyer : userIds.length ? pick(userIds) : buyer,
          order_date: new Date(Date.UTC(2018, 0, 1) + Math.floor(random() * 8 * 365 * 86_400_000)),
          order_items: Array.from({ length: lines }, () => {
            const quantity = 1 + Math.floor(random() * 10);
            return {
              item_id: pick(itemIds),
              quantity,
              amount: Math.round(random() * quantity * 5000) / 100,
              item_details: {},
            };
          }),
        });
      }
      await insert(this.orders.insertMany(chunk), chunk.length);
    }
    return {
      users: options.users,
      items: itemCount,
      orders: options.orders,
      /** Documents that were there already (generated before with the same seed): skipped. */
      existing,
      seconds: (Date.now() - started) / 1000,
    };
  }
}
