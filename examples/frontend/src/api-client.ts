// Apollo Client 4 for the API, with the session kept alive by the refresh cookie
// (docs/frontend.md). The browser test bundles this file as it is and runs it in Chromium.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import { ErrorLink } from '@apollo/client/link/error';
import { Observable } from 'rxjs';

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

export function createApiClient(api: string, signIn: () => void): ApolloClient {
  // One refresh at a time: two requests presenting the same refresh token end the session.
  let refreshing: Promise<boolean> | undefined;
  const refreshOnce = () =>
    (refreshing ??= fetch(`${api}/auth/refresh`, {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
      .then(
        (response) => response.ok,
        () => false,
      )
      .finally(() => (refreshing = undefined)));

  // `expired`: the access token is too old. `missing`: the browser has already dropped its
  // cookie (its Max-Age is the token's lifetime). Either way one refresh, then the request
  // again; `revoked`, `invalid`, `conflict` or a failed refresh: sign in again.
  const renewal = new ErrorLink(({ error, operation, forward }) => {
    const reason = authFailure(error);
    if (reason === undefined) return;
    if ((reason !== 'expired' && reason !== 'missing') || operation.getContext().retried) {
      signIn();
      return;
    }
    return new Observable<ApolloLink.Result>((observer) => {
      void refreshOnce().then((renewed) => {
        if (!renewed) {
          signIn();
          return observer.error(error);
        }
        operation.setContext({ retried: true });
        forward(operation).subscribe(observer);
      });
    });
  });

  return new ApolloClient({
    link: ApolloLink.from([
      renewal,
      new HttpLink({
        uri: `${api}/graphql`,
        credentials: 'include', // the httpOnly cookies
        headers: { 'apollo-require-preflight': 'true' }, // Apollo's CSRF protection
      }),
    ]),
    cache: new InMemoryCache({
      possibleTypes: { Node: ['User', 'Item', 'UserOrder', 'OrderItem'] },
    }),
  });
}
