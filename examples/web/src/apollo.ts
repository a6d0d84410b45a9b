import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import { ErrorLink } from '@apollo/client/link/error';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { relayStylePagination } from '@apollo/client/utilities';
import { OperationTypeNode, print, type DocumentNode } from 'graphql';
import { CloseCode, createClient as createWsClient, type Client } from 'graphql-ws';
import { Observable, type Subscription } from 'rxjs';
import type { Renewal } from './session';

export interface ClientOptions {
  /** The API's origin, e.g. `https://api.example.com`. */
  readonly apiUrl: string;
  /** POST /auth/refresh: a new access token from the refresh cookie. */
  readonly renew: () => Promise<Renewal>;
  /** The session is over (revoked, past its maximum age, or refused): the login page. */
  readonly signIn: () => void;
  /** The live socket is back after a drop: events sent meanwhile are not replayed. */
  readonly onReconnected?: () => void;
}

/**
 * The client: queries and mutations over HTTP, naming their document by hash (the server may
 * accept only the documents in src/gql/persisted-documents.json); subscriptions over one
 * graphql-ws socket; an expired access token renewed once and the operation run again.
 */
export function createClient(options: ClientOptions): ApolloClient {
  const { apiUrl, signIn } = options;

  // One refresh at a time: two requests presenting the same refresh token end the session.
  let renewing: Promise<Renewal> | undefined;
  const renewOnce = () => (renewing ??= options.renew().finally(() => (renewing = undefined)));

  // A socket closed with 4401 is renewed once per acknowledged connection (its subscriptions
  // share that renewal), so a socket refused again right after one (its cookie does not reach
  // it) sends the user to sign in instead of refreshing in a loop.
  let socketMayRenew = true;
  let socketRenewal: Promise<Renewal> | undefined;
  const renewSocket = (): Promise<Renewal> => {
    if (socketRenewal) return socketRenewal;
    if (!socketMayRenew) return Promise.resolve('ended');
    socketMayRenew = false;
    return (socketRenewal = renewOnce().finally(() => (socketRenewal = undefined)));
  };
  let connectedBefore = false;
  const ws = createWsClient({
    url: `${apiUrl.replace(/^http/, 'ws')}/graphql`, // the browser sends the access cookie
    // 1001 (a replica going away), a refused connection while it restarts, a dropped network:
    // reconnect for as long as the page is open, at most 10 s apart (graphql-ws's own backoff
    // doubles without a bound, and by default gives up on a connection error).
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: (retries) =>
      new Promise((wait) =>
        setTimeout(wait, Math.min(1_000 * 2 ** retries, 10_000) + Math.random() * 1_000),
      ),
    on: {
      connected: () => {
        socketMayRenew = true;
        if (connectedBefore) options.onReconnected?.();
        connectedBefore = true;
      },
    },
  });

  const renewal: ApolloLink = new ErrorLink(({ error, operation, forward }) => {
    const socketRefused = isUnauthorizedClose(error);
    const reason = socketRefused ? 'expired' : authFailure(error);
    if (reason === undefined) return;
    const retried = operation.getContext().retried === true;
    if ((reason !== 'expired' && reason !== 'missing') || retried) {
      signIn();
      return;
    }
    return new Observable<ApolloLink.Result>((observer) => {
      let again: Subscription | undefined;
      let cancelled = false;
      void (socketRefused ? renewSocket() : renewOnce()).then((outcome) => {
        if (cancelled) return;
        if (outcome === 'renewed') {
          // A query or mutation runs once more; a subscription goes through this link again,
          // so the next expiry of its socket is renewed as well.
          if (socketRefused) again = renewal.request(operation, forward).subscribe(observer);
          else {
            operation.setContext({ retried: true });
            again = forward(operation).subscribe(observer);
          }
          return;
        }
        // 'ended': the login page. 'no-session' (never signed in, or signed out) and 'failed'
        // (no answer): the error goes on, and the app shows it beside its "Sign in" button.
        if (outcome === 'ended') signIn();
        observer.error(error);
      });
      return () => {
        cancelled = true;
        again?.unsubscribe();
      };
    });
  });

  const trustedDocuments = new PersistedQueryLink({
    generateHash: documentHash,
    // A server without this app's manifest (TRUSTED_DOCUMENTS) does not know the hashes:
    // from then on send the text, as Apollo Server's own automatic persisted queries cannot
    // register a hash that was not computed over the text sent.
    disable: ({ meta }) => meta.persistedQueryNotSupported || meta.persistedQueryNotFound,
  });
  const http = new HttpLink({
    uri: `${apiUrl}/graphql`,
    credentials: 'include', // send the httpOnly cookie
  });

  return new ApolloClient({
    link: ApolloLink.from([
      renewal,
      trustedDocuments,
      ApolloLink.split(
        ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
        new GraphQLWsLink(namingDocumentsByHash(ws)),
        http,
      ),
    ]),
    cache: new InMemoryCache({
      possibleTypes: { Node: ['User', 'Item', 'UserOrder', 'OrderItem'] },
      typePolicies: {
        // Cursors belong to one sort order: a different orderBy is a different list.
        User: { fields: { orders: relayStylePagination(['orderBy']) } },
        Query: { fields: { listUserOrders: relayStylePagination(['user_id', 'orderBy']) } },
      },
    }),
  });
}

/** Why the API refused the viewer (`extensions.reason`), or undefined for any other error. */
export function authFailure(error: unknown): string | undefined {
  if (CombinedGraphQLErrors.is(error)) {
    const refusal = error.errors.find((e) => e.extensions?.code === 'UNAUTHENTICATED');
    return refusal ? String(refusal.extensions?.reason ?? 'invalid') : undefined;
  }
  // A 401 answered as plain application/json reaches the link as a ServerError.
  if (ServerError.is(error) && error.statusCode === 401) {
    try {
      return String(JSON.parse(error.bodyText).errors?.[0]?.extensions?.reason ?? 'invalid');
    } catch {
      return 'invalid';
    }
  }
  return undefined;
}

/** GraphQLWsLink reports a socket the server closed with 4401 (token expired, or none) this way. */
function isUnauthorizedClose(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.message.startsWith(`Socket closed with event ${CloseCode.Unauthorized}`)
  );
}

/**
 * The socket's `subscribe` messages name their document by the hash PersistedQueryLink put in
 * `extensions` (with an empty `query`, a field graphql-ws requires), as HTTP requests do: a
 * server accepting only trusted documents refuses any other text. A server without this app's
 * manifest answers PERSISTED_QUERY_NOT_FOUND: from then on the text goes.
 */
function namingDocumentsByHash(client: Client): Client {
  let byHash = true;
  return {
    ...client,
    subscribe(payload, sink) {
      const persisted = payload.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
      if (!byHash || typeof persisted?.sha256Hash !== 'string')
        return client.subscribe(payload, sink);
      let withText: (() => void) | undefined;
      const byHashOnly = client.subscribe(
        { ...payload, query: '' },
        {
          ...sink,
          error: (error) => {
            const notFound =
              Array.isArray(error) &&
              error.some((e) => e?.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND');
            if (!notFound) return sink.error(error);
            byHash = false;
            withText = client.subscribe(payload, sink);
          },
        },
      );
      return () => {
        byHashOnly();
        withText?.();
      };
    },
  };
}

/** The hash codegen wrote into the document (its manifest key, `sha256:<hex>`); computed for any other. */
async function documentHash(document: DocumentNode): Promise<string> {
  const generated = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  if (typeof generated === 'string') return generated.replace(/^sha256:/, '');
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(print(document)));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}
