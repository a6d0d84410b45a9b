import { Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import type { Item } from '../items/item';
import { ItemsRepository } from '../items/items.repository';
import type { Order } from '../orders/order';
import { OrdersRepository } from '../orders/orders.repository';
import type { User } from '../users/user';
import { UsersRepository } from '../users/users.repository';

/** Batches every lookup by id made while resolving one request into one query per kind. */
export interface Loaders {
  readonly users: DataLoader<string, User | undefined>;
  readonly items: DataLoader<string, Item | undefined>;
  /** Orders with their embedded lines. */
  readonly orders: DataLoader<string, Order | undefined>;
}

/** Results in the order of the keys, `undefined` where nothing was found. */
export function byIds<T extends { _id: string }>(
  ids: readonly string[],
  found: readonly T[],
): (T | undefined)[] {
  const index = new Map(found.map((item) => [item._id, item]));
  return ids.map((id) => index.get(id));
}

@Injectable()
export class LoadersFactory {
  constructor(
    private readonly users: UsersRepository,
    private readonly items: ItemsRepository,
    private readonly orders: OrdersRepository,
  ) {}

  create(): Loaders {
    const options = { maxBatchSize: 1000 };
    return {
      users: new DataLoader(async (ids) => byIds(ids, await this.users.findByIds(ids)), options),
      items: new DataLoader(async (ids) => byIds(ids, await this.items.findByIds(ids)), options),
      orders: new DataLoader(async (ids) => byIds(ids, await this.orders.findByIds(ids)), options),
    };
  }
}
