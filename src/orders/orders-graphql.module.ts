import { Module } from '@nestjs/common';
import { OrdersGraphQLRegistrations } from './orders.loaders';
import { OrderSubscriptionsResolver } from './order-subscriptions.resolver';
import { OrdersModule } from './orders.module';
import { OrderItemsResolver, OrdersResolver, UserOrdersResolver } from './orders.resolver';

/** The orders feature's GraphQL side: resolvers (User.orders too), loader, node types. */
@Module({
  imports: [OrdersModule],
  providers: [
    OrdersResolver,
    OrderItemsResolver,
    UserOrdersResolver,
    OrderSubscriptionsResolver,
    OrdersGraphQLRegistrations,
  ],
})
export class OrdersGraphQLModule {}
