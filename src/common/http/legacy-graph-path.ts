const REQUESTED_URL = Symbol('requestedUrl');

/**
 * The URL the client asked for, before the legacy /graph path was rewritten
 * (middleware sees `url` without the path it was mounted on; `originalUrl` keeps it).
 */
export function requestedUrl(raw: object & { url?: string; originalUrl?: string }): string {
  return (raw as { [REQUESTED_URL]?: string })[REQUESTED_URL] ?? raw.originalUrl ?? raw.url ?? '/';
}

/** Fastify's `rewriteUrl`: the demo served GraphQL at /graph; both paths reach the same endpoint. */
export function legacyGraphPath(raw: { url?: string }): string {
  const url = raw.url ?? '/';
  if (url !== '/graph' && !url.startsWith('/graph?')) return url;
  (raw as { [REQUESTED_URL]?: string })[REQUESTED_URL] = url;
  return `/graphql${url.slice('/graph'.length)}`;
}
