import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

export interface SocketOptions {
  /** Sent as the access cookie with the upgrade. */
  readonly token?: string;
  /** The access cookie's name: `token` unless given (production's is `__Host-token`). */
  readonly cookieName?: string;
  /** Sent as `connectionParams.authorization: "Bearer …"`. */
  readonly bearer?: string;
  readonly origin?: string;
  readonly path?: string;
  /** rawSocket only: answer the server's pings (ws does by default); false plays a dead peer. */
  readonly autoPong?: boolean;
}

/** How a socket ended: its close code and reason. */
export interface Closed {
  readonly code: number;
  readonly reason: string;
}

const upgradeHeaders = (options: SocketOptions): Record<string, string> => ({
  ...(options.token ? { cookie: `${options.cookieName ?? 'token'}=${options.token}` } : {}),
  ...(options.origin ? { origin: options.origin } : {}),
});

const wsUrl = (baseUrl: string, path = '/graphql') => `${baseUrl.replace(/^http/, 'ws')}${path}`;

/** ws's WebSocket sending these headers with its upgrade (a browser's cookie), for graphql-ws's `webSocketImpl`. */
export function webSocketWithHeaders(headers: Record<string, string>) {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  };
}

/**
 * A graphql-ws client in Node (ws underneath), connected eagerly and never
 * retrying, so each test sees exactly how the server answered.
 */
export function wsClient(
  baseUrl: string,
  options: SocketOptions = {},
): { client: Client; connected: Promise<void>; closed: Promise<Closed> } {
  let onConnected!: () => void;
  let onClosed!: (closed: Closed) => void;
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  const closed = new Promise<Closed>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: wsUrl(baseUrl, options.path),
    webSocketImpl: webSocketWithHeaders(upgradeHeaders(options)),
    lazy: false,
    retryAttempts: 0,
    connectionParams: options.bearer ? { authorization: `Bearer ${options.bearer}` } : undefined,
    on: {
      connected: () => onConnected(),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string | Buffer };
        onClosed({ code, reason: String(reason) });
      },
    },
    onNonLazyError: () => undefined,
  });
  return { client, connected, closed };
}

/** One operation's messages as they arrive, and a way to wait for the n-th. */
export interface Subscription<T = Record<string, any>> {
  readonly results: ExecutionResult<T>[];
  readonly errors: unknown[];
  /** Resolves once `count` results have arrived (or rejects after `timeoutMs`). */
  received(count: number, timeoutMs?: number): Promise<ExecutionResult<T>[]>;
  readonly completed: Promise<void>;
  unsubscribe(): void;
}

/**
 * What a `subscribe` message carries: document text, or (with an empty `query`, which the
 * protocol requires) a trusted document's `documentId` or Apollo's persisted-query hash.
 */
export type SubscribeDocument =
  | string
  | {
      readonly query: string;
      readonly documentId?: string;
      readonly extensions?: Record<string, unknown>;
    };

export function subscribe<T = Record<string, any>>(
  client: Client,
  document: SubscribeDocument,
  variables?: Record<string, unknown>,
): Subscription<T> {
  const results: ExecutionResult<T>[] = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  let onComplete!: () => void;
  const completed = new Promise<void>((resolve) => (onComplete = resolve));
  const wake = () => waiters.forEach((waiter) => waiter());
  const payload = typeof document === 'string' ? { query: document } : document;
  const unsubscribe = client.subscribe<T>(
    { ...payload, variables },
    {
      next: (result) => {
        results.push(result as ExecutionResult<T>);
        wake();
      },
      error: (error) => {
        // graphql-ws hands a refused operation's errors over as one array.
        errors.push(...(Array.isArray(error) ? error : [error]));
        wake();
        onComplete();
      },
      complete: () => onComplete(),
    },
  );
  const received = (count: number, timeoutMs = 5_000) =>
    new Promise<ExecutionResult<T>[]>((resolve, reject) => {
      const check = () => {
        if (results.length >= count) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(results);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${results.length} of ${count} results after ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { results, errors, received, completed, unsubscribe };
}

/**
 * A bare socket speaking `graphql-transport-ws`: resolves when it opens, or
 * with the HTTP status of an upgrade refused before it became a WebSocket.
 */
export function rawSocket(
  baseUrl: string,
  options: SocketOptions = {},
): Promise<{ socket: WebSocket; closed: Promise<Closed> } | { status: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(baseUrl, options.path), 'graphql-transport-ws', {
      headers: upgradeHeaders(options),
      autoPong: options.autoPong ?? true,
    });
    const closed = new Promise<Closed>((done) =>
      socket.once('close', (code, reason) => done({ code, reason: reason.toString() })),
    );
    socket.once('open', () => resolve({ socket, closed }));
    socket.once('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0 });
      socket.terminate();
    });
    socket.on('error', reject);
  });
}
