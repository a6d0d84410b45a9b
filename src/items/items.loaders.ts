import { Injectable, type OnModuleInit } from '@nestjs/common';
import { idLoader, LoaderKey, LoaderRegistry } from '../graphql/loaders';
import { NodeRegistry } from '../graphql/node-registry';
import { ItemModel, type Item } from './item.model';
import { ItemsRepository } from './items.repository';

/** Items by database id, batched per request. */
export const ITEM_BY_ID = new LoaderKey<string, Item | undefined>('items.byId');

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
    this.nodes.register('Item', async (id, _viewer, loaders) => {
      const item = await loaders.get(ITEM_BY_ID).load(id);
      return item ? ItemModel.from(item) : null;
    });
  }
}
