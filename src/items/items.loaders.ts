import { Injectable, type OnModuleInit } from '@nestjs/common';
import { idLoader, LoaderKey, LoaderRegistry, type RequestLoaders } from '../graphql/loaders';
import { NodeRegistry } from '../graphql/node-registry';
import { ItemModel, type Item } from './item.model';
import { ItemsRepository } from './items.repository';

/** Items by database id, batched per request. */
export const ITEM_BY_ID = new LoaderKey<string, Item | undefined>('items.byId');

/** The item with this id (batched through the request's loader), or null. */
export async function loadItem(loaders: RequestLoaders, itemId: string): Promise<ItemModel | null> {
  const item = await loaders.get(ITEM_BY_ID).load(itemId);
  return item ? ItemModel.from(item) : null;
}

/** The items feature's part of every GraphQL request: its loader, and `node` for Item ids. */
@Injectable()
export class ItemsLoaders implements OnModuleInit {
  constructor(
    private readonly loaders: LoaderRegistry,
    private readonly nodes: NodeRegistry,
    private readonly items: ItemsRepository,
  ) {}

  onModuleInit(): void {
    this.loaders.register(
      ITEM_BY_ID,
      idLoader((ids) => this.items.findByIds(ids)),
    );
    this.nodes.register('Item', (id, _viewer, loaders) => loadItem(loaders, id));
  }
}
