import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  getNamedType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';

import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import type { AppConfig } from '../config/app-config';

/**
 * A field's cost is 1 plus, for a list, its size times the cost of one
 * element: `first`/`last` on connections (the default page size when
 * neither is given), the number of `ids` for `nodes`. A page size is counted
 * at most at the maximum page size: a larger one is refused by the page-size
 * rule itself (BAD_USER_INPUT), which says what is wrong.
 */
export function listSizeEstimator(
  defaultPageSize: number,
  maxPageSize: number,
): ComplexityEstimator {
  return ({ args, childComplexity, field }) => {
    const pageSize =
      typeof args.first === 'number'
        ? args.first
        : typeof args.last === 'number'
          ? args.last
          : undefined;
    const size =
      pageSize !== undefined
        ? Math.min(pageSize, maxPageSize)
        : Array.isArray(args.ids)
          ? args.ids.length
          : getNamedType(field.type).name.endsWith('Connection')
            ? defaultPageSize
            : undefined;
    return size === undefined ? undefined : 1 + Math.max(0, size) * childComplexity;
  };
}

/** Why an operation is refused before it runs, with the code a client acts on. */
export interface OperationProblem {
  readonly code: 'BAD_USER_INPUT' | 'GRAPHQL_VALIDATION_FAILED';
  readonly message: string;
  readonly nodes?: GraphQLError['nodes'];
}

export interface OperationRequest {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operationName?: string | null;
  readonly variables?: Record<string, unknown> | null;
}

/**
 * Checks an operation's variables and its list-size-weighted cost, for HTTP and WebSocket
 * alike. The cost depends on the variables, so they are coerced first: a wrong one is the
 * client's mistake (BAD_USER_INPUT), as Apollo would answer.
 */
function operationCheck(config: AppConfig): (request: OperationRequest) => OperationProblem[] {
  const estimators = [
    listSizeEstimator(config.graphql.defaultPageSize, config.graphql.maxPageSize),
    simpleEstimator({ defaultComplexity: 1 }),
  ];
  const max = config.graphql.maxCost;
  return ({ schema, document, operationName, variables: given }) => {
    const variables = given ?? {};
    const operation = getOperationAST(document, operationName);
    if (operation) {
      const { errors } = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
      if (errors)
        return errors.map((error) => ({
          code: 'BAD_USER_INPUT',
          message: error.message,
          nodes: error.nodes,
        }));
    }
    const cost = getComplexity({
      schema,
      query: document,
      variables,
      operationName: operationName ?? undefined,
      estimators,
    });
    if (cost <= max) return [];
    const message = `Query is too expensive: its cost is ${cost}, at most ${max} is allowed (ask for smaller pages)`;
    return [{ code: 'GRAPHQL_VALIDATION_FAILED', message }];
  };
}

/** Refuses, with a 400, an operation the check refuses, before anything runs. */
function costLimitPlugin(
  check: (request: OperationRequest) => OperationProblem[],
): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema }) {
          const [problem] = check({ schema, document, ...request });
          if (problem)
            throw new GraphQLError(problem.message, {
              nodes: problem.nodes,
              extensions: { code: problem.code, http: { status: 400 } },
            });
        },
      };
    },
  };
}

/**
 * Depth, alias, directive and token limits (graphql-armor), field
 * suggestions hidden in production, and a list-aware cost limit. Batched
 * (array) requests stay off (Apollo's default).
 */
export function queryLimits(config: AppConfig) {
  const limits = config.graphql;
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: limits.maxDirectives },
    // graphql-armor checks tokens in an Apollo hook that turns its refusal into a 500;
    // graphql-js's own parser limit (parseOptions.maxTokens) answers 400 instead.
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: config.isProduction },
  });
  const protection = armor.protect();
  const checkOperation = operationCheck(config);
  return {
    /** graphql-armor's own plugins (depth, aliases, directives). */
    armorPlugins: protection.plugins,
    /** The variables and the list-aware cost limit, as an Apollo plugin. */
    costPlugin: costLimitPlugin(checkOperation),
    /** The same check, for operations that do not go through Apollo (subscriptions over WebSocket). */
    checkOperation,
    validationRules: protection.validationRules,
    parseOptions: { maxTokens: limits.maxTokens },
  };
}
