import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * A subscription sent over HTTP would run as a query and fail as a bug would
 * (null for a non-null field): it is the client's mistake, answered with 400
 * BAD_REQUEST and where to go instead.
 */
export const httpSubscriptionRefusal: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation === 'subscription')
          throw new GraphQLError(
            'Subscriptions are served over WebSocket (graphql-ws, graphql-transport-ws) on this path, not over HTTP',
            { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
          );
      },
    };
  },
};
