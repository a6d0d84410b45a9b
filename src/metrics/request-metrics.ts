import type { onResponseHookHandler } from 'fastify';
import { peekRequestLogFacts } from '../logging/request-context';
import type { AppMetrics } from './app-metrics';

const GRAPHQL_ROUTE = '/graphql';
const UNMATCHED_ROUTE = '(unmatched)';

/** Records every response's route, status and duration, and for GraphQL its operation. */
export function recordResponse(metrics: AppMetrics): onResponseHookHandler {
  return (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    metrics.observeResponse({
      route,
      status: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
      graphql: route === GRAPHQL_ROUTE ? (peekRequestLogFacts(request.raw) ?? {}) : undefined,
    });
    done();
  };
}
