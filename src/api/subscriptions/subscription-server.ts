import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
} from 'graphql';
import { CloseCode, type Context, type Disposable, type SubscribePayload } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { JwtStrategy, type VerifiedToken } from '../../auth/jwt.strategy';
import type { LaterRefusal } from '../../auth/token-refusal';
import { isAdmin } from '../../common/viewer';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { requestIdFor } from '../../logging/request-id';
import { AppMetrics } from '../../metrics/app-metrics';
import { formatError } from '../../graphql/error-formatting';
import type { GraphQLContext } from '../../graphql/graphql-context';
import { LoaderRegistry } from '../../graphql/loaders';
import { queryLimits } from '../../graphql/query-limits';
import {
  socketDocumentText,
  TRUSTED_DOCUMENTS,
  type SocketDocument,
  type TrustedDocuments,
} from '../../graphql/trusted-documents';
import { GraphQLContextFactory } from '../context.factory';
import { isAllowedUpgradeOrigin } from './upgrade-origin';

/** Where the GraphQL endpoint takes WebSocket upgrades: the same paths as its HTTP requests. */
const SUBSCRIPTION_PATHS: ReadonlySet<string> = new Set(['/graphql', '/graph']);
/** A larger message closes the socket with 1009 (ws's maxPayload): a subscription document is small. */
const MAX_MESSAGE_BYTES = 64 * 1024;
const CONNECTION_INIT_TIMEOUT_MS = 3_000;
/** How often open sockets' tokens are checked again (expiry, a withdrawn key, session revocation). */
const AUTHORIZATION_CHECK_MS = 1_000;

/** WebSocket's own "going away": the process is shutting down, reconnect (to another replica). */
const GOING_AWAY = 1001;

/** Why an open socket was closed with 4401, by the strategy's reason for refusing its token now. */
const CLOSE_REASONS: Record<LaterRefusal, string> = {
  expired: 'Unauthorized: the token has expired',
  invalid: "Unauthorized: the token's key was withdrawn",
  revoked: 'Unauthorized: the session was revoked',
};

interface Operation {
  readonly name: string;
  readonly startedAt: number;
  events: number;
}

/** One open socket: who it belongs to once authenticated, and its operations. */
interface Connection {
  readonly requestId: string;
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
  readonly openedAt: number;
  token?: VerifiedToken;
  readonly operations: Map<string, Operation>;
}

/** A refusal of one operation, with the code an HTTP request would get for the same mistake. */
function refusal(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

type WsContext = Context<Record<string, unknown> | undefined, Extra>;

/**
 * GraphQL subscriptions over graphql-ws (the `graphql-transport-ws` protocol)
 * on the endpoint's own paths. A refused upgrade (foreign Origin) never
 * becomes a WebSocket; a connection is authenticated by the same guard and
 * strategy as an HTTP request before `connection_ack`, and closed with 4401
 * when its token expires or its session is revoked; each operation goes
 * through the query limits (and the trusted documents) and runs with the
 * connection's viewer and fresh loaders (docs/api.md, "Subscriptions").
 */
@Injectable()
export class SubscriptionServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Subscriptions');
  private readonly connections = new Map<WebSocket, Connection>();
  private readonly perViewer = new Map<string, number>();
  private readonly counts = { delivered: 0 };
  private readonly refusals = new Map<string, number>();
  private wss?: WebSocketServer;
  private disposable?: Disposable;
  private authorizationCheck?: NodeJS.Timeout;
  private closing = false;
  private readonly limits: ReturnType<typeof queryLimits>;

  constructor(
    private readonly http: HttpAdapterHost,
    private readonly schemaHost: GraphQLSchemaHost,
    private readonly contexts: GraphQLContextFactory,
    private readonly loaders: LoaderRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: AppMetrics,
    private readonly strategy: JwtStrategy,
    @Inject(TRUSTED_DOCUMENTS) private readonly trusted: TrustedDocuments | null,
  ) {
    // The same depth, alias, directive, token and cost limits as HTTP requests.
    this.limits = queryLimits(config);
    metrics.gaugeFrom(
      'graphql_ws_connections_open',
      'WebSocket connections open on the GraphQL endpoint (authenticated or not yet).',
      [],
      () => [[{}, this.connections.size]],
    );
    metrics.counterFrom(
      'graphql_ws_events_delivered_total',
      'Subscription events sent to clients.',
      [],
      () => [[{}, this.counts.delivered]],
    );
    metrics.counterFrom(
      'graphql_ws_refusals_total',
      'Upgrades and connections refused, by HTTP status or close code.',
      ['code'],
      () => [...this.refusals].map(([code, count]) => [{ code }, count]),
    );
  }

  onApplicationBootstrap(): void {
    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
    this.disposable = useServer(
      {
        schema: this.schemaHost.schema,
        connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
        onConnect: (ctx) => this.authenticate(ctx),
        onSubscribe: (ctx, id, payload) => this.prepare(ctx, id, payload),
        onNext: (ctx, id, _payload, _args, result) => this.delivered(ctx, id, result),
        onError: (ctx, id, _payload, errors) =>
          errors.map((error) => this.format(error, this.operationRequestId(ctx, id))),
        onComplete: (ctx, id) => this.completed(ctx, id),
      },
      wss,
      // ws-level pings: a dead peer is dropped, and proxies see traffic on idle sockets.
      this.config.graphql.keepAliveMs,
    );
    wss.on('connection', (socket, request) => this.opened(socket, request));
    this.wss = wss;
    this.httpServer().on('upgrade', this.upgrade);
    this.authorizationCheck = setInterval(
      () => this.closeUnauthorized(),
      AUTHORIZATION_CHECK_MS,
    ).unref();
  }

  /**
   * Runs once the drain delay is over (app.close()): sockets are told to reconnect elsewhere.
   * Module destruction, not a later hook: the HTTP server's close waits for upgraded sockets.
   */
  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    clearInterval(this.authorizationCheck);
    this.httpServer().off('upgrade', this.upgrade);
    for (const socket of this.connections.keys())
      socket.close(GOING_AWAY, 'Server shutting down: reconnect');
    await this.disposable?.dispose();
  }

  private httpServer(): Server {
    return this.http.httpAdapter.getHttpServer() as Server;
  }

  /** Before anything is accepted: the path, and the Origin (cross-site WebSocket hijacking). */
  private readonly upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (request.url ?? '').split('?')[0];
    if (!SUBSCRIPTION_PATHS.has(path)) return this.refuseUpgrade(socket, 404, 'Not Found');
    if (this.closing) return this.refuseUpgrade(socket, 503, 'Shutting down');
    if (!isAllowedUpgradeOrigin(request.headers, this.config.cors.origins)) {
      this.logger.warn({
        msg: 'WebSocket upgrade refused: Origin not allowed',
        origin: request.headers.origin,
        requestId: requestIdFor(request),
      });
      return this.refuseUpgrade(socket, 403, 'Origin not allowed');
    }
    this.wss!.handleUpgrade(request, socket, head, (ws) =>
      this.wss!.emit('connection', ws, request),
    );
  };

  private refuseUpgrade(socket: Duplex, status: number, message: string): void {
    this.refused(String(status));
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
        `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
    );
  }

  private opened(socket: WebSocket, request: IncomingMessage): void {
    const connection: Connection = {
      requestId: requestIdFor(request),
      socket,
      request,
      openedAt: Date.now(),
      operations: new Map(),
    };
    this.connections.set(socket, connection);
    this.logger.log({
      msg: 'WebSocket opened',
      requestId: connection.requestId,
      origin: request.headers.origin,
    });
    socket.once('close', (code: number, reason: Buffer) =>
      this.closed(connection, code, reason.toString()),
    );
  }

  private closed(connection: Connection, code: number, reason: string): void {
    this.connections.delete(connection.socket);
    // Operations still running end with their socket (graphql-ws completes them after this).
    for (const [id, operation] of connection.operations) this.ended(connection, id, operation);
    const userId = connection.token?.viewer.user_id;
    if (userId !== undefined) {
      const left = (this.perViewer.get(userId) ?? 1) - 1;
      if (left > 0) this.perViewer.set(userId, left);
      else this.perViewer.delete(userId);
    }
    if (code >= 4000 || code === 1009) this.refused(String(code));
    this.logger.log({
      msg: 'WebSocket closed',
      requestId: connection.requestId,
      userId,
      code,
      reason,
      durationMs: Date.now() - connection.openedAt,
    });
  }

  /** `connection_init`: the token (cookie, or `connectionParams.authorization`), then the quota. */
  private async authenticate(ctx: WsContext): Promise<boolean> {
    const { socket, request } = ctx.extra;
    const connection = this.connections.get(socket);
    if (!connection) return false;
    const authorization = ctx.connectionParams?.authorization;
    let token: VerifiedToken;
    try {
      token = await this.contexts.connectionViewer(
        request,
        typeof authorization === 'string' ? authorization : undefined,
        connection.requestId,
      );
    } catch (error) {
      socket.close(CloseCode.Unauthorized, `Unauthorized: ${(error as Error).message}`);
      return false;
    }
    // The client may have hung up while the token was checked: nothing to count then.
    if (socket.readyState !== socket.OPEN) return false;
    if (token.payload.exp * 1000 <= Date.now()) {
      socket.close(CloseCode.Unauthorized, 'Unauthorized: the token has expired, refresh it');
      return false;
    }
    const userId = token.viewer.user_id;
    const open = this.perViewer.get(userId) ?? 0;
    const max = this.config.graphql.maxConnectionsPerViewer;
    if (open >= max) {
      socket.close(CloseCode.Forbidden, `Forbidden: at most ${max} connections per viewer`);
      return false;
    }
    this.perViewer.set(userId, open + 1);
    connection.token = token;
    return true;
  }

  /**
   * Closes, with 4401, sockets whose token is past its `exp` (without the clock tolerance), whose
   * key was withdrawn or whose session was revoked: the client refreshes its token and reconnects.
   */
  private closeUnauthorized(): void {
    const now = Date.now();
    for (const connection of this.connections.values()) {
      const refusal = connection.token && this.strategy.refusalOf(connection.token, now);
      if (refusal) connection.socket.close(CloseCode.Unauthorized, CLOSE_REASONS[refusal]);
    }
  }

  /** A `subscribe` message: the same trusted documents, parse, validation and limits as an HTTP request. */
  private prepare(
    ctx: WsContext,
    id: string,
    payload: SubscribePayload,
  ): ExecutionArgs | readonly GraphQLError[] {
    const connection = this.connections.get(ctx.extra.socket);
    if (!connection?.token) return [refusal('UNAUTHENTICATED', 'Not authenticated')];
    const max = this.config.graphql.maxOperationsPerConnection;
    if (connection.operations.size >= max)
      return [
        refusal(
          'TOO_MANY_REQUESTS',
          `Too many operations: at most ${max} at once on one connection`,
        ),
      ];
    const text = socketDocumentText(
      this.trusted,
      this.config.graphql.trustedDocumentsOnly,
      payload as SocketDocument,
      isAdmin(connection.token.viewer),
    );
    if (text instanceof GraphQLError) return [text];
    const schema = this.schemaHost.schema;
    let document;
    try {
      document = parse(text, this.limits.parseOptions);
    } catch (error) {
      return [refusal('GRAPHQL_PARSE_FAILED', (error as GraphQLError).message)];
    }
    const invalid = validate(schema, document, [...specifiedRules, ...this.limits.validationRules]);
    if (invalid.length > 0)
      return invalid.map((error) => refusal('GRAPHQL_VALIDATION_FAILED', error.message));
    const operation = getOperationAST(document, payload.operationName);
    if (operation?.operation !== 'subscription')
      return [
        refusal(
          'BAD_REQUEST',
          'Only subscriptions are served over WebSocket: send queries and mutations over HTTP',
        ),
      ];
    const problems = this.limits.checkOperation({ schema, document, ...payload });
    if (problems.length > 0)
      return problems.map((problem) => refusal(problem.code, problem.message));
    connection.operations.set(id, {
      name: operation.name?.value ?? '(unnamed)',
      startedAt: Date.now(),
      events: 0,
    });
    const requestId = this.operationRequestId(ctx, id);
    const req = Object.assign(Object.create(connection.request) as object, {
      id: requestId,
      user: connection.token.viewer,
      raw: connection.request,
    });
    const contextValue = {
      req,
      viewer: connection.token.viewer,
      loaders: this.loaders.forRequest(),
      requestId,
    } as unknown as GraphQLContext;
    return {
      schema,
      document,
      operationName: payload.operationName,
      variableValues: payload.variables,
      contextValue,
    };
  }

  private delivered(ctx: WsContext, id: string, result: ExecutionResult): FormattedExecutionResult {
    const operation = this.connections.get(ctx.extra.socket)?.operations.get(id);
    if (operation) operation.events += 1;
    this.counts.delivered += 1;
    const requestId = this.operationRequestId(ctx, id);
    return result.errors
      ? { ...result, errors: result.errors.map((error) => this.format(error, requestId)) }
      : (result as FormattedExecutionResult);
  }

  private completed(ctx: WsContext, id: string): void {
    const connection = this.connections.get(ctx.extra.socket);
    const operation = connection?.operations.get(id);
    if (connection && operation) this.ended(connection, id, operation);
  }

  private ended(connection: Connection, id: string, operation: Operation): void {
    connection.operations.delete(id);
    this.logger.log({
      msg: 'Subscription ended',
      requestId: `${connection.requestId}/${id}`,
      userId: connection.token?.viewer.user_id,
      operationName: operation.name,
      events: operation.events,
      durationMs: Date.now() - operation.startedAt,
    });
  }

  /** As Apollo's formatError hook formats HTTP responses' errors (documented codes, masking). */
  private format(error: GraphQLError, requestId: string): GraphQLFormattedError {
    const sent = formatError(error.toJSON(), error, {
      production: this.config.isProduction,
      requestId,
    });
    this.metrics.graphqlError(String(sent.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
    return sent;
  }

  /** The connection's request id and the operation's id: one operation's log lines and errors. */
  private operationRequestId(ctx: WsContext, id: string): string {
    return `${this.connections.get(ctx.extra.socket)?.requestId ?? 'closed'}/${id}`;
  }

  private refused(code: string): void {
    this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
  }
}
