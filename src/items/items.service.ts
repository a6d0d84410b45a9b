import { Inject, Injectable } from '@nestjs/common';
import { parseSafeFilter, RAW_ID_FIELD, type FilterField } from '../common/filters/safe-filter';
import { resolveSort, type Page } from '../common/pagination/keyset';
import type { ListRequest } from '../common/pagination/list';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import type { Item } from './item.model';
import { ItemsRepository } from './items.repository';

const ITEM_SORTABLE = ['desc', 'item_category'] as const;
const ITEM_FILTERABLE: Record<string, FilterField> = {
  _id: RAW_ID_FIELD,
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

  async list(request: ListRequest): Promise<Page<Item>> {
    const filter = parseSafeFilter(request.filter, ITEM_FILTERABLE);
    const keys = resolveSort(request.orderBy, ITEM_SORTABLE);
    return this.items.page({ filter, keys, page: request, limits: this.config.graphql });
  }
}
