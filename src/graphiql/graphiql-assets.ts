import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

/**
 * GraphiQL's own build and React's, from node_modules (no CDN: the page works
 * offline), plus this project's start-up script. Read once.
 */
export function loadGraphiqlAssets(): ReadonlyMap<string, Asset> {
  const js = 'text/javascript; charset=utf-8';
  const file = (name: string, path: string, type = js): Asset => ({
    body: readFileSync(join(dirname(require.resolve(`${name}/package.json`)), path)),
    type,
  });
  return new Map([
    ['react.js', file('react', 'umd/react.production.min.js')],
    ['react-dom.js', file('react-dom', 'umd/react-dom.production.min.js')],
    ['graphiql.js', file('graphiql', 'graphiql.min.js')],
    ['graphiql.css', file('graphiql', 'graphiql.min.css', 'text/css; charset=utf-8')],
    ['start.js', { body: Buffer.from(START_SCRIPT), type: js }],
  ]);
}

const DEFAULT_QUERY = `# Signed in: every request sends your session cookie.
# Press the run button (or Ctrl-Enter). The schema is in the docs panel.
query MyOrders {
  viewer {
    id
    username
    orders(first: 5, orderBy: [{ field: "order_date", direction: DESC }]) {
      totalCount
      edges {
        node {
          id
          order_date
          order_items(first: 10) {
            edges { node { desc item_category quantity amount } }
          }
        }
      }
    }
  }
}
`;

/** Runs in the browser: cookies included, Apollo's CSRF header set; subscriptions over graphql-ws. */
const START_SCRIPT = `(() => {
  const endpoint = new URL('/graphql', window.location.href).href;
  const fetcher = GraphiQL.createFetcher({
    url: endpoint,
    subscriptionUrl: endpoint.replace(/^http/, 'ws'),
    headers: { 'apollo-require-preflight': 'true' },
    fetch: (input, init) => window.fetch(input, { ...init, credentials: 'include' }),
  });
  const params = new URLSearchParams(window.location.search);
  const root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: ${JSON.stringify(DEFAULT_QUERY)},
      query: params.get('query') ?? undefined,
      variables: params.get('variables') ?? undefined,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: false,
    }),
  );
})();
`;

export const GRAPHIQL_ASSET_PREFIX = '/graphiql/assets/';

export function graphiqlPage(username: string): string {
  const asset = (name: string) => `${GRAPHIQL_ASSET_PREFIX}${name}`;
  const safe = username.replace(/[&<>"']/g, '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL · User-Order API</title>
<link rel="stylesheet" href="${asset('graphiql.css')}">
<style>
  html, body { height: 100%; margin: 0; }
  body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
  header { display: flex; align-items: center; justify-content: space-between; padding: 6px 12px; background: #1d2330; color: #fff; font-size: 14px; }
  header form { margin: 0; }
  header button { background: transparent; color: #fff; border: 1px solid #8a93a6; border-radius: 4px; padding: 4px 10px; cursor: pointer; }
  #graphiql { flex: 1; min-height: 0; }
</style>
</head>
<body>
<header>
  <span>User-Order API · signed in as <strong id="signed-in-as">${safe}</strong></span>
  <form method="post" action="/auth/logout"><button type="submit" id="sign-out">Sign out</button></form>
</header>
<div id="graphiql">Loading GraphiQL…</div>
<script src="${asset('react.js')}"></script>
<script src="${asset('react-dom.js')}"></script>
<script src="${asset('graphiql.js')}"></script>
<script src="${asset('start.js')}"></script>
</body>
</html>`;
}
