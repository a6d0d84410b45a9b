import { Module } from '@nestjs/common';
import { ItemsGraphQLRegistrations } from './items.loaders';
import { ItemsModule } from './items.module';
import { ItemsResolver } from './items.resolver';

/** The items feature's GraphQL side: resolvers, loader, node type. */
@Module({ imports: [ItemsModule], providers: [ItemsResolver, ItemsGraphQLRegistrations] })
export class ItemsGraphQLModule {}
