import { Module } from '@nestjs/common';
import { OrdersModule } from '../orders/orders.module';
import { UsersModule } from './users.module';
import { UsersResolver } from './users.resolver';

@Module({ imports: [UsersModule, OrdersModule], providers: [UsersResolver] })
export class UsersGraphQLModule {}
