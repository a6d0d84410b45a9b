import { Args, Context, ID, Resolver, Subscription } from '@nestjs/graphql';
import { expectGlobalId } from '../common/ids';
import type { Viewer as ViewerType } from '../common/viewer';
import type { GraphQLContext } from '../graphql/graphql-context';
import { LoaderRegistry, type RequestLoaders } from '../graphql/loaders';
import { Viewer } from '../graphql/viewer.decorator';
import { OrderModel } from './models/order.model';
import { OrderEvents } from './order-events';
import { presentOrder } from './orders.presenter';
import { OrdersService } from './orders.service';

/** Live orders (graphql-ws): each delivered order resolves like a queried one. */
@Resolver(() => OrderModel)
export class OrderSubscriptionsResolver {
  constructor(
    private readonly orders: OrdersService,
    private readonly events: OrderEvents,
    private readonly loaders: LoaderRegistry,
  ) {}

  @Subscription(() => OrderModel, {
    description:
      'Each order created from now on whose buyer or payer is the user (no replay of earlier ones). Only that user or an admin (FORBIDDEN otherwise).',
  })
  orderCreated(
    @Args('user_id', {
      type: () => ID,
      nullable: true,
      description: 'Global id of the buyer or payer to follow; default: the viewer.',
    })
    userId: string | null,
    @Viewer() viewer: ViewerType,
    @Context() context: GraphQLContext,
  ): AsyncGenerator<{ orderCreated: OrderModel }> {
    const followed = userId ? expectGlobalId('User', userId, 'user_id') : viewer.user_id;
    this.orders.assertCanSeeOrdersOf(viewer, followed);
    return this.deliveries(followed, context);
  }

  private async *deliveries(
    userId: string,
    context: GraphQLContext,
  ): AsyncGenerator<{ orderCreated: OrderModel }> {
    for await (const order of this.events.createdFor(userId)) {
      // Each event is resolved like a request of its own: loaders cached across events would
      // serve stale users and items and grow for as long as the subscription lives.
      (context as { loaders: RequestLoaders }).loaders = this.loaders.forRequest();
      yield { orderCreated: presentOrder(order) };
    }
  }
}
