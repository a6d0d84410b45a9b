import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { idsFilter } from '../database/ids-filter';
import { insertNew, type InsertReport } from '../database/insert-new';
import { findPage, type KeysetQuery, type Page } from '../common/pagination/keyset';
import { ItemDocument, type Item } from './item.model';

@Injectable()
export class ItemsRepository {
  constructor(@InjectModel(ItemDocument.name) private readonly model: Model<ItemDocument>) {}

  findByIds(ids: readonly string[]): Promise<Item[]> {
    return this.model.find(idsFilter(ids)).lean<Item[]>().exec();
  }

  page(query: KeysetQuery): Promise<Page<Item>> {
    return findPage<Item>(this.model, query);
  }

  async upsert(item: Item): Promise<void> {
    await this.model.updateOne({ _id: item._id }, { $set: item }, { upsert: true }).exec();
  }

  /** Bulk seeding: inserts the items not there yet (see insertNew). */
  insertMany(items: readonly Item[]): Promise<InsertReport> {
    return insertNew(this.model, items);
  }

  async deleteById(id: string): Promise<void> {
    await this.model.deleteOne({ _id: id }).exec();
  }
}
