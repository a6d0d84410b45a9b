import { Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import type { User } from '../users/user';
import { UsersRepository } from '../users/users.repository';

/** Batches every lookup by id made while resolving one request into one query per kind. */
export interface Loaders {
  readonly users: DataLoader<string, User | undefined>;
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
  constructor(private readonly users: UsersRepository) {}

  create(): Loaders {
    return {
      users: new DataLoader(async (ids) => byIds(ids, await this.users.findByIds(ids)), {
        maxBatchSize: 500,
      }),
    };
  }
}
