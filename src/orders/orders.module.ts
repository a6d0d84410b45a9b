import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ItemsModule } from '../items/items.module';
import { UsersModule } from '../users/users.module';
import { OrderDocument, OrderSchema } from './order.schema';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

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
