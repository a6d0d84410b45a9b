import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ItemDocument, ItemSchema } from './item.model';
import { ItemsLoaders } from './items.loaders';
import { ItemsRepository } from './items.repository';
import { ItemsResolver } from './items.resolver';
import { ItemsService } from './items.service';

/** The catalogue's data and rules: what the orders feature and the seeder import. */
@Module({
  imports: [MongooseModule.forFeature([{ name: ItemDocument.name, schema: ItemSchema }])],
  providers: [ItemsRepository, ItemsService],
  exports: [ItemsRepository, ItemsService],
})
export class ItemsModule {}

/**
 * The catalogue's GraphQL side (resolvers, loaders, `node`), mounted by the API
 * (src/api/features.ts); apart, so a process without the API loads none of it.
 */
@Module({ imports: [ItemsModule], providers: [ItemsResolver, ItemsLoaders] })
export class ItemsGraphQLModule {}
