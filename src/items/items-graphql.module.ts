import { Module } from '@nestjs/common';
import { ItemsModule } from './items.module';
import { ItemsResolver } from './items.resolver';

@Module({ imports: [ItemsModule], providers: [ItemsResolver] })
export class ItemsGraphQLModule {}
