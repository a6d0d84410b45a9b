import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ItemsModule } from '../items/items.module';
import { UsersModule } from '../users/users.module';
import { OrderDocument, OrderSchema } from './order.model';
import { OrdersLoaders } from './orders.loaders';
import { OrdersRepository } from './orders.repository';
import { OrderItemsResolver, OrdersResolver, UserOrdersResolver } from './orders.resolver';
import { OrdersService } from './orders.service';

/** Orders and their lines, the `order` collection and its rules: what the seeder imports. */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: OrderDocument.name, schema: OrderSchema }]),
    UsersModule,
    ItemsModule,
  ],
  providers: [OrdersRepository, OrdersService],
  exports: [OrdersRepository, OrdersService],
})
export class OrdersModule {}

/**
 * The orders' GraphQL side (resolvers, `User.orders` too, loaders, `node`),
 * mounted by the API (src/api/features.ts); apart, so a process without the
 * API loads none of it.
 */
@Module({
  imports: [OrdersModule],
  providers: [OrdersResolver, OrderItemsResolver, UserOrdersResolver, OrdersLoaders],
})
export class OrdersGraphQLModule {}
