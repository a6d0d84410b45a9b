import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EventBusModule } from '../common/events/event-bus';
import { ItemsModule } from '../items/items.module';
import { UsersModule } from '../users/users.module';
import { OrderDocument, OrderSchema } from './order.model';
import { OrdersLoaders } from './orders.loaders';
import { OrdersRepository } from './orders.repository';
import {
  OrderItemsResolver,
  OrdersResolver,
  OrderSubscriptionsResolver,
  UserOrdersResolver,
} from './orders.resolver';
import { OrderEvents, OrdersService } from './orders.service';

/** Orders and their lines, the `order` collection, its rules and its events: what the seeder imports. */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: OrderDocument.name, schema: OrderSchema }]),
    UsersModule,
    ItemsModule,
    EventBusModule,
  ],
  providers: [OrdersRepository, OrdersService, OrderEvents],
  exports: [OrdersRepository, OrdersService, OrderEvents],
})
export class OrdersModule {}

/**
 * The orders' GraphQL side (resolvers, `User.orders` and `orderCreated` too, loaders, `node`),
 * mounted by the API (src/api/features.ts); apart, so a process without the
 * API loads none of it.
 */
@Module({
  imports: [OrdersModule],
  providers: [
    OrdersResolver,
    OrderItemsResolver,
    UserOrdersResolver,
    OrderSubscriptionsResolver,
    OrdersLoaders,
  ],
})
export class OrdersGraphQLModule {}
