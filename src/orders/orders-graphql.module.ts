import { Module } from '@nestjs/common';
import { OrderItemsResolver, OrdersResolver } from './orders.resolver';
import { OrdersModule } from './orders.module';

@Module({ imports: [OrdersModule], providers: [OrdersResolver, OrderItemsResolver] })
export class OrdersGraphQLModule {}
