import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '@nestjs/common';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApiError } from '../common/errors';
import { requestLogFacts } from '../logging/request-context';
import { scrubSecrets } from '../logging/secrets';
import { isDatabaseUnavailable } from '../database/database-errors';
import type { GraphQLContext } from './graphql-context';

/**
 * Tells the request line which operation ran and which error codes it
 * answered with, and logs unexpected errors in full server-side (the client
 * only sees a masked message).
 */
export function requestPlugin(logger: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, operationName }) {
          const facts = requestLogFacts(contextValue.req.raw);
          facts.graphqlOperationType = operation?.operation;
          facts.graphqlOperationName = operationName ?? undefined;
        },
        async didEncounterErrors({ contextValue, errors, request }) {
          for (const error of errors) {
            const original = unwrapResolverError(error);
            const unexpected =
              !(original instanceof ApiError) &&
              (!error.extensions?.code || error.extensions.code === 'INTERNAL_SERVER_ERROR');
            if (isDatabaseUnavailable(original)) {
              logger.warn({
                msg: 'Database unavailable during a GraphQL request',
                requestId: contextValue?.requestId,
                error: (original as Error).message,
              });
            } else if (unexpected && original instanceof Error && error.path) {
              logger.error({
                msg: `GraphQL resolver failed: ${original.message}`,
                requestId: contextValue?.requestId,
                path: error.path,
                operationName: request.operationName,
                variables: scrubSecrets(request.variables),
                stack: original.stack,
              });
            }
          }
        },
        async willSendResponse({ contextValue, response }) {
          const errors =
            response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          if (!errors || !contextValue?.req) return;
          requestLogFacts(contextValue.req.raw).graphqlErrorCodes = [
            ...new Set(errors.map((error) => String(error.extensions?.code))),
          ];
        },
      };
    },
  };
}
