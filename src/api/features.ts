import { ItemsGraphQLModule } from '../items/items.module';
import { OrdersGraphQLModule } from '../orders/orders.module';
import { UsersGraphQLModule } from '../users/users.module';

/**
 * The features the GraphQL API mounts: their resolvers, loaders and node
 * types join the one schema. `npm run new:feature` adds each new one here.
 */
export const FEATURE_MODULES = [UsersGraphQLModule, ItemsGraphQLModule, OrdersGraphQLModule];
