import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type LabelValues,
} from 'prom-client';
import type { RequestLogFacts } from '../logging/request-context';

/** Seconds; from a 1 ms `{ __typename }` to a 5 s query that ran into DB_TIMEOUT. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const DB_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5];

/** A label value for anything past the first `max` distinct values: cardinality stays bounded. */
const OTHER_LABEL = '(other)';
/** The operation label of a GraphQL request refused or failing before an operation was chosen. */
const NO_OPERATION = '(none)';
/** The name label of an operation the client did not name. */
const UNNAMED_OPERATION = '(unnamed)';
/** Codes of the service's own failures: alerts divide by them, so their series exist from the start. */
const SERVER_ERROR_CODES = ['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE'];

/** Values a label may take: those seen first, up to `max`; later ones are reported as OTHER_LABEL. */
class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(
    private readonly max: number,
    private readonly maxLength = 64,
  ) {}

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max || value.length > this.maxLength) return OTHER_LABEL;
    this.seen.add(value);
    return value;
  }
}

/** What a finished HTTP request tells the metrics. */
export interface ObservedResponse {
  /** The route's pattern (bounded), not the URL the client sent. */
  readonly route: string;
  readonly status: number;
  readonly seconds: number;
  /** Present for GraphQL requests: the operation they ran, if one was chosen. */
  readonly graphql?: Pick<RequestLogFacts, 'graphqlOperationName' | 'graphqlOperationType'>;
}

/**
 * The process's Prometheus metrics (docs/operations.md lists each one), in a registry of the
 * application's own so several apps in one process keep their counts apart.
 */
export class AppMetrics {
  readonly registry = new Registry();
  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by route pattern and status code: duration from arrival to the response sent.',
    labelNames: ['route', 'status'],
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  private readonly graphqlDuration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: `GraphQL requests by operation name (${UNNAMED_OPERATION} when not named, ${OTHER_LABEL} past the first 100 names) and type (${NO_OPERATION} when refused before an operation was chosen).`,
    labelNames: ['operation_name', 'operation_type'],
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  private readonly graphqlErrors = this.counter(
    'graphql_errors_total',
    'GraphQL errors sent to clients, by extensions.code.',
    'code',
  );
  private readonly rateLimitRefusals = this.counter(
    'rate_limit_refusals_total',
    'Requests refused by a rate limit, by limit.',
    'limit',
  );
  private readonly rateLimitStoreErrors = this.counter(
    'rate_limit_store_errors_total',
    'Rate-limit checks whose store (MongoDB or Redis) did not answer, by limit.',
    'limit',
  );
  private readonly dbDuration = new Histogram({
    name: 'mongodb_command_duration_seconds',
    help: 'MongoDB commands by name and outcome (ok, failed), as the driver measured them.',
    labelNames: ['command', 'outcome'],
    buckets: DB_BUCKETS,
    registers: [this.registry],
  });
  private readonly operationNames = new BoundedLabel(100);
  private readonly errorCodes = new BoundedLabel(40);
  private readonly routes = new BoundedLabel(50, 200);
  private readonly commands = new BoundedLabel(30);

  constructor(readonly enabled: boolean) {
    if (enabled) {
      for (const code of SERVER_ERROR_CODES)
        this.graphqlErrors.inc({ code: this.errorCodes.of(code) }, 0);
      // Event-loop lag, memory, GC, handles: prom-client's standard process metrics.
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    }
  }

  private counter<L extends string>(name: string, help: string, label: L): Counter<L> {
    return new Counter({ name, help, labelNames: [label], registers: [this.registry] });
  }

  observeResponse(response: ObservedResponse): void {
    this.httpDuration.observe(
      { route: this.routes.of(response.route), status: String(response.status) },
      response.seconds,
    );
    const graphql = response.graphql;
    if (!graphql) return;
    const type = graphql.graphqlOperationType ?? NO_OPERATION;
    const name = graphql.graphqlOperationType
      ? this.operationNames.of(graphql.graphqlOperationName ?? UNNAMED_OPERATION)
      : NO_OPERATION;
    this.graphqlDuration.observe({ operation_name: name, operation_type: type }, response.seconds);
  }

  graphqlError(code: string): void {
    if (this.enabled) this.graphqlErrors.inc({ code: this.errorCodes.of(code) });
  }

  /** A limit's counters start at 0, so an alert's rate() sees its first refusal or store failure. */
  rateLimitDefined(limit: string): void {
    if (!this.enabled) return;
    this.rateLimitRefusals.inc({ limit }, 0);
    this.rateLimitStoreErrors.inc({ limit }, 0);
  }

  rateLimitRefused(limit: string): void {
    if (this.enabled) this.rateLimitRefusals.inc({ limit });
  }

  rateLimitStoreFailed(limit: string): void {
    if (this.enabled) this.rateLimitStoreErrors.inc({ limit });
  }

  databaseCommand(command: string, outcome: 'ok' | 'failed', milliseconds: number): void {
    this.dbDuration.observe({ command: this.commands.of(command), outcome }, milliseconds / 1000);
  }

  /** A counter kept by its owner as plain numbers, read when scraped: one value per label set. */
  counterFrom<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => ReadonlyArray<readonly [LabelValues<L>, number]>,
  ): void {
    new Counter<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [labels, value] of read()) this.inc(labels, value);
      },
    });
  }

  /** The verified-token cache's lookups, as the token check counts them. */
  tokenCacheLookups(lookups: Readonly<Record<'hit' | 'miss', number>>): void {
    this.counterFrom(
      'auth_token_cache_lookups_total',
      'Tokens answered from the verified-token cache (hit) or checked by their signature (miss).',
      ['result'],
      () => Object.entries(lookups).map(([result, count]) => [{ result }, count]),
    );
  }

  /** A gauge with labels, each value read from its owner when scraped. */
  gaugeFrom<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => ReadonlyArray<readonly [LabelValues<L>, number]>,
  ): void {
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        for (const [labels, value] of read()) this.set(labels, value);
      },
    });
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
