import { Inject, Injectable } from '@nestjs/common';
import type { GraphQLResolveInfo } from 'graphql';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { parseSafeFilter, type FilterField } from '../common/filters/safe-filter';
import { selects, toConnection } from '../common/pagination/connection';
import { pageLimits, resolveSort, type PageRequest } from '../common/pagination/keyset';
import type { ListArgs } from '../graphql/dto/list.args';
import type { Connection } from '../graphql/models/connection.factory';
import { ItemsRepository } from './items.repository';
import { presentItem } from './items.presenter';
import type { ItemModel } from './models/item.model';

export const ITEM_SORTABLE = { desc: 'desc', item_category: 'item_category' } as const;
export const ITEM_FILTERABLE: Record<string, FilterField> = {
  desc: { path: 'desc', kind: 'string' },
  item_category: { path: 'item_category', kind: 'string' },
  'item_price.amount': { path: 'item_price.amount', kind: 'number' },
};

/** Items are public to every signed-in viewer. */
@Injectable()
export class ItemsService {
  constructor(
    private readonly items: ItemsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(args: ListArgs, info?: GraphQLResolveInfo): Promise<Connection<ItemModel>> {
    const filter = parseSafeFilter(args.filterValues?.filterValuesString, ITEM_FILTERABLE);
    const keys = resolveSort(args.orderBy, ITEM_SORTABLE);
    const page = await this.items.page({
      filter,
      keys,
      page: args as PageRequest,
      limits: pageLimits(this.config),
    });
    return toConnection(
      page,
      presentItem,
      selects(info, 'totalCount') ? () => this.items.count(filter) : undefined,
    );
  }
}
