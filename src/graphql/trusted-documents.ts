import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ApolloServerOptions, ApolloServerPlugin } from '@apollo/server';
import type { FactoryProvider } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { LRUCache } from 'lru-cache';
import { isAdmin } from '../common/viewer';
import { APP_CONFIG, ConfigError, type AppConfig } from '../config/app-config';
import type { GraphQLContext } from './graphql-context';

/** The documents an operator trusts, by the hex sha256 of their text. */
export type TrustedDocuments = ReadonlyMap<string, string>;

type PersistedQueryCache = NonNullable<
  Exclude<ApolloServerOptions<GraphQLContext>['persistedQueries'], false>
>['cache'] &
  object;

const SHA256_PREFIX = 'sha256:';
const HEX_SHA256 = /^[0-9a-f]{64}$/;
const NOT_TRUSTED =
  'Only trusted documents are accepted here: send the documentId of a document of the manifest';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Reads a manifest `{ "sha256:<hex>" | "<hex>": "<document>" }` (what graphql-codegen's client
 * preset writes for persisted documents); a key that is not its document's hash is refused,
 * so a manifest cannot smuggle in a document under another's name.
 */
export function loadTrustedDocuments(path: string): TrustedDocuments {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`TRUSTED_DOCUMENTS: cannot read ${path}: ${(error as Error).message}`]);
  }
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest))
    throw new ConfigError([`TRUSTED_DOCUMENTS: ${path} is not a JSON object of hash → document`]);
  const documents = new Map<string, string>();
  for (const [key, document] of Object.entries(manifest)) {
    const hash = key.startsWith(SHA256_PREFIX) ? key.slice(SHA256_PREFIX.length) : key;
    if (typeof document !== 'string' || !HEX_SHA256.test(hash) || sha256(document) !== hash)
      throw new ConfigError([
        `TRUSTED_DOCUMENTS: ${path}: entry ${JSON.stringify(key)} is not "sha256:<hex>" of its document`,
      ]);
    documents.set(hash, document);
  }
  return documents;
}

/** Injects the TRUSTED_DOCUMENTS manifest (`null` when none is configured). */
export const TRUSTED_DOCUMENTS = Symbol('TRUSTED_DOCUMENTS');

/** Reads the manifest once, at start-up, for HTTP requests and the subscription socket alike. */
export const trustedDocumentsProvider: FactoryProvider<TrustedDocuments | null> = {
  provide: TRUSTED_DOCUMENTS,
  inject: [APP_CONFIG],
  useFactory: ({ graphql }: AppConfig) =>
    graphql.trustedDocuments ? loadTrustedDocuments(graphql.trustedDocuments) : null,
};

/**
 * Apollo Server's persisted-query cache, answering from the manifest first. Unless only trusted
 * documents are accepted, clients may still register others (automatic persisted queries),
 * kept in a bounded in-memory cache as Apollo's default does.
 */
export function trustedDocumentCache(
  documents: TrustedDocuments,
  onlyTrusted: boolean,
): PersistedQueryCache {
  const registered = onlyTrusted
    ? undefined
    : new LRUCache<string, string>({ maxSize: 30 * 1024 * 1024, sizeCalculation: (v) => v.length });
  // Apollo prefixes keys (`apq:`); ids may carry `sha256:` too: the hash is the last part.
  const hashOf = (key: string) => key.slice(key.lastIndexOf(':') + 1);
  return {
    get: async (key) => documents.get(hashOf(key)) ?? registered?.get(hashOf(key)),
    set: async (key, value) => void registered?.set(hashOf(key), value),
    delete: async (key) => registered?.delete(hashOf(key)),
  };
}

/**
 * `{"documentId": "sha256:<hex>"}` (the GraphQL-over-HTTP persisted-documents form) as Apollo's
 * own persisted-query lookup, so both name a manifest document the same way.
 */
export function documentIdPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ request }) {
      const documentId = (request.http?.body as { documentId?: unknown } | undefined)?.documentId;
      if (typeof documentId === 'string' && request.query === undefined)
        request.extensions = {
          ...request.extensions,
          persistedQuery: { version: 1, sha256Hash: documentId.replace(SHA256_PREFIX, '') },
        };
    },
  };
}

/**
 * With TRUSTED_DOCUMENTS_ONLY, refuses document text that is not in the manifest, before it is
 * parsed: called as the context is created, once the viewer is known (admins keep free text for
 * GraphiQL and debugging). A request naming a document by hash carries no text.
 */
export function refuseUntrustedText(
  documents: TrustedDocuments,
  req: FastifyRequest,
  context: GraphQLContext,
): void {
  const fields = (req.method === 'GET' ? req.query : req.body) as { query?: unknown } | undefined;
  const text = fields?.query;
  if (typeof text !== 'string' || text === '' || documents.has(sha256(text))) return;
  if (isAdmin(context.viewer)) return;
  throw new GraphQLError(NOT_TRUSTED, {
    extensions: {
      code: 'DOCUMENT_NOT_TRUSTED',
      requestId: context.requestId,
      http: { status: 400 },
    },
  });
}

/** What a graphql-ws `subscribe` message carries: the protocol requires `query`, empty when naming a document. */
export interface SocketDocument {
  readonly query: string;
  readonly documentId?: unknown;
  readonly extensions?: Readonly<Record<string, unknown>> | null;
}

/**
 * The text of a graphql-ws `subscribe` message's document, by the rules of HTTP requests: named
 * by `documentId` or Apollo's persisted-query hash (with an empty `query`) it comes from the
 * manifest, else PERSISTED_QUERY_NOT_FOUND; sent as text while only trusted documents are
 * accepted, it must be a manifest document unless the viewer is an admin, else DOCUMENT_NOT_TRUSTED.
 */
export function socketDocumentText(
  documents: TrustedDocuments | null,
  onlyTrusted: boolean,
  payload: SocketDocument,
  byAdmin: boolean,
): string | GraphQLError {
  if (payload.query === '') {
    const persisted = payload.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
    const id = payload.documentId ?? persisted?.sha256Hash;
    if (typeof id !== 'string') return payload.query;
    const text = documents?.get(id.replace(SHA256_PREFIX, ''));
    return (
      text ??
      new GraphQLError('PersistedQueryNotFound', {
        extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' },
      })
    );
  }
  if (!documents || !onlyTrusted || byAdmin || documents.has(sha256(payload.query)))
    return payload.query;
  return new GraphQLError(NOT_TRUSTED, { extensions: { code: 'DOCUMENT_NOT_TRUSTED' } });
}
