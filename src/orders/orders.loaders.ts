import { Injectable, type OnModuleInit } from '@nestjs/common';
import { idLoader, LoaderKey, LoaderRegistry } from '../graphql/loaders';
import { NodeRegistry } from '../graphql/node-registry';
import { ITEM_BY_ID } from '../items/items.loaders';
import { OrderItemModel, OrderModel, type Order } from './order.model';
import { OrdersRepository } from './orders.repository';
import { joinLine, OrdersService } from './orders.service';

/** Orders (with their embedded lines) by database id, batched per request. */
const ORDER_BY_ID = new LoaderKey<string, Order | undefined>('orders.byId');

/** The orders feature's part of every GraphQL request: its loader, and `node` for orders and their lines. */
@Injectable()
export class OrdersLoaders implements OnModuleInit {
  constructor(
    private readonly loaders: LoaderRegistry,
    private readonly nodes: NodeRegistry,
    private readonly orders: OrdersRepository,
    private readonly service: OrdersService,
  ) {}

  onModuleInit(): void {
    this.loaders.register(
      ORDER_BY_ID,
      idLoader((ids) => this.orders.findByIds(ids)),
    );
    this.nodes.register('UserOrder', async (id, viewer, loaders) => {
      const order = await loaders.get(ORDER_BY_ID).load(id);
      if (!order) return null;
      this.service.assertCanSeeOrdersOf(viewer, order.user_id);
      return OrderModel.from(order);
    });
    this.nodes.register('OrderItem', async (id, viewer, loaders) => {
      const found = await this.service.findLine(viewer, id);
      if (!found) return null;
      const item = await loaders.get(ITEM_BY_ID).load(found.line.item_id);
      return OrderItemModel.from(joinLine(found.line, item));
    });
  }
}
