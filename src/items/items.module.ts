import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ItemDocument, ItemSchema } from './item.schema';
import { ItemsRepository } from './items.repository';
import { ItemsService } from './items.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: ItemDocument.name, schema: ItemSchema }])],
  providers: [ItemsRepository, ItemsService],
  exports: [ItemsRepository, ItemsService],
})
export class ItemsModule {}
