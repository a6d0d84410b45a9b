import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EventBusModule } from '../common/events/event-bus';
import { ItemsModule } from '../items/items.module';
import { UsersModule } from '../users/users.module';
import { OrderDocument, OrderSchema } from './order.schema';
import { OrderEvents } from './order-events';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

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
