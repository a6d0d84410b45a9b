import { Module } from '@nestjs/common';
import { OrdersGraphQLRegistrations } from './orders.loaders';
import { OrdersModule } from './orders.module';
import { OrderItemsResolver, OrdersResolver, UserOrdersResolver } from './orders.resolver';

/** The orders feature's GraphQL side: resolvers (User.orders too), loader, node types. */
@Module({
  imports: [OrdersModule],
  providers: [OrdersResolver, OrderItemsResolver, UserOrdersResolver, OrdersGraphQLRegistrations],
})
export class OrdersGraphQLModule {}
