import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import { idsFilter } from '../database/ids-filter';
import { insertNew, type InsertReport } from '../database/insert-new';
import { findPage, type KeysetQuery, type Page } from '../common/pagination/keyset';
import { OrderDocument, type NewOrder, type Order } from './order.model';

@Injectable()
export class OrdersRepository {
  constructor(@InjectModel(OrderDocument.name) private readonly model: Model<OrderDocument>) {}

  findByIds(ids: readonly string[]): Promise<Order[]> {
    return this.model.find(idsFilter(ids)).lean<Order[]>().exec();
  }

  /** The order holding the line with this id (lines are embedded). */
  async findByLineId(lineId: string): Promise<Order | undefined> {
    if (!/^[0-9a-f]{24}$/.test(lineId)) return undefined;
    return (
      (await this.model
        .findOne({ 'order_items._id': new Types.ObjectId(lineId) })
        .lean<Order>()
        .exec()) ?? undefined
    );
  }

  page(query: KeysetQuery): Promise<Page<Order>> {
    return findPage<Order>(this.model, query);
  }

  /** One document, lines included: an order is written whole or not at all. */
  async insert(order: NewOrder): Promise<Order> {
    const created = await this.model.create(order as unknown as OrderDocument);
    return created.toObject() as unknown as Order;
  }

  async upsert(order: Order | NewOrder): Promise<void> {
    await this.model.replaceOne({ _id: order._id }, order, { upsert: true }).exec();
  }

  /** Bulk seeding: inserts the orders not there yet (see insertNew). */
  insertMany(orders: readonly NewOrder[]): Promise<InsertReport> {
    return insertNew(this.model, orders);
  }
}
