import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { relayStylePagination } from '@apollo/client/utilities';
import { print, type DocumentNode } from 'graphql';

/**
 * The client: every request carries the cookie, names its document by hash (the server may
 * accept only the documents in src/gql/persisted-documents.json), and pages merge into one list.
 */
export function createClient(apiUrl: string): ApolloClient {
  const http = new HttpLink({
    uri: `${apiUrl}/graphql`,
    credentials: 'include', // send the httpOnly cookie
  });
  const trustedDocuments = new PersistedQueryLink({
    generateHash: documentHash,
    // A server without this app's manifest (TRUSTED_DOCUMENTS) does not know the hashes:
    // from then on send the text, as Apollo Server's own automatic persisted queries cannot
    // register a hash that was not computed over the text sent.
    disable: ({ meta }) => meta.persistedQueryNotSupported || meta.persistedQueryNotFound,
  });
  return new ApolloClient({
    link: ApolloLink.from([trustedDocuments, http]),
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

/** The hash codegen wrote into the document (its manifest key, `sha256:<hex>`); computed for any other. */
async function documentHash(document: DocumentNode): Promise<string> {
  const generated = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  if (typeof generated === 'string') return generated.replace(/^sha256:/, '');
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(print(document)));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}
