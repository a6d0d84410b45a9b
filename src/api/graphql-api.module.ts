import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Logger, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import { AuthVerificationModule } from '../auth/auth-verification.module';
import { PinoLogger } from 'nestjs-pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { errorCode, formatError } from '../graphql/error-formatting';
import { requestLogFacts } from '../logging/request-context';
import { GraphQLErrorPassthrough } from '../graphql/graphql-error.filter';
import { AppMetrics } from '../metrics/app-metrics';
import { GraphQLInfrastructureModule } from '../graphql/graphql-infrastructure.module';
import { queryLimits } from '../graphql/query-limits';
import { requestPlugin } from '../graphql/request-plugin';
import {
  documentIdPlugin,
  refuseUntrustedText,
  TRUSTED_DOCUMENTS,
  trustedDocumentCache,
  trustedDocumentsProvider,
  type TrustedDocuments,
} from '../graphql/trusted-documents';
import { UsersModule } from '../users/users.module';
import { BrowserNavigation } from './browser-navigation';
import { FEATURE_MODULES } from './features';
import { GraphQLContextFactory } from './context.factory';
import { httpSubscriptionRefusal } from './subscriptions/http-subscription-refusal';
import { SubscriptionServer } from './subscriptions/subscription-server';

const ROOT_DESCRIPTIONS = {
  Query: 'Every read. All of them need a signed-in viewer (cookie or bearer token).',
  Mutation: 'Every write. Business outcomes come back in `completionObj`, not as errors.',
  Subscription:
    'Live events over WebSocket (graphql-ws, `graphql-transport-ws`) on /graphql and /graph; the same sign-in as queries.',
};

/** Code-first root types have no place for a description; the schema file is documentation, so add one. */
function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  for (const [name, description] of Object.entries(ROOT_DESCRIPTIONS)) {
    const type = schema.getType(name);
    if (type) type.description = description;
  }
  return schema;
}

/** The context factory and the trusted documents: for the GraphQL module's factory and the socket. */
@Module({
  imports: [AuthVerificationModule, GraphQLInfrastructureModule],
  providers: [GraphQLContextFactory, trustedDocumentsProvider],
  exports: [GraphQLContextFactory, TRUSTED_DOCUMENTS],
})
class GraphQLContextModule {}

/**
 * The GraphQL endpoint (code-first, Apollo on Fastify) at /graphql and, for
 * legacy clients, /graph, assembled from the features' GraphQL modules. The schema is built in memory; `npm run schema`
 * writes it to schema.graphql for frontend teams.
 */
@Module({
  imports: [
    AuthVerificationModule,
    GraphQLInfrastructureModule,
    GraphQLContextModule,
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      imports: [GraphQLContextModule],
      inject: [APP_CONFIG, GraphQLContextFactory, AppMetrics, PinoLogger, TRUSTED_DOCUMENTS],
      useFactory: (
        config: AppConfig,
        contexts: GraphQLContextFactory,
        metrics: AppMetrics,
        requestLog: PinoLogger,
        trusted: TrustedDocuments | null,
      ): ApolloDriverConfig => {
        const limits = queryLimits(config);
        const onlyTrusted = config.graphql.trustedDocumentsOnly;
        return {
          autoSchemaFile: true,
          sortSchema: true,
          // GraphiQL is served by BrowserNavigation, behind the sign-in.
          graphiql: false,
          introspection: config.graphql.introspection,
          validationRules: limits.validationRules,
          parseOptions: limits.parseOptions,
          // Documents named by hash come from the manifest (docs/api.md, Trusted documents).
          ...(trusted && {
            persistedQueries: { cache: trustedDocumentCache(trusted, onlyTrusted), ttl: null },
          }),
          includeStacktraceInErrorResponses: false,
          // A request refused here (401, 429, an untrusted document) never reaches the request
          // plugin: its code is noted for the log.
          context: (req: FastifyRequest, res: FastifyReply) =>
            contexts
              .create(req, res)
              .then((context) => {
                if (trusted && onlyTrusted) refuseUntrustedText(trusted, req, context);
                return context;
              })
              .catch((error: unknown) => {
                requestLogFacts(req.raw).graphqlErrorCodes = [errorCode(error)];
                throw error;
              }),
          transformSchema: describeRootTypes,
          // Every error a client gets, including Apollo's refusals before any context exists,
          // passes here: its code, a safe message, and the request id from the request's log context.
          formatError: (formatted, error) => {
            const sent = formatError(formatted, error, {
              production: config.isProduction,
              requestId: requestLog.logger.bindings().reqId as string | undefined,
            });
            metrics.graphqlError(String(sent.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
            return sent;
          },
          // @nestjs/apollo (an ES module) types plugins with @apollo/server's ESM build, ours with its CommonJS one.
          plugins: [
            requestPlugin(new Logger('GraphQL')),
            ...(trusted ? [documentIdPlugin()] : []),
            ...limits.armorPlugins,
            limits.costPlugin,
            httpSubscriptionRefusal,
            // Responses to cookie-authenticated POSTs are never HTTP-cacheable; without this,
            // Apollo wraps every field resolver to collect cache hints.
            ApolloServerPluginCacheControlDisabled(),
          ] as never[],
        };
      },
    }),
    ...FEATURE_MODULES,
    // BrowserNavigation shows the signed-in user's name in GraphiQL.
    UsersModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: GraphQLErrorPassthrough },
    BrowserNavigation,
    SubscriptionServer,
  ],
})
export class GraphQLApiModule {}
