import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether a WebSocket upgrade may be accepted from where it says it comes
 * from. Browsers attach cookies to cross-site WebSocket handshakes and the
 * same-origin policy does not apply to them, so a foreign page could open a
 * socket in its visitor's name: only this server's own origin (the Origin's
 * host is the Host the browser addressed) and CORS_ORIGINS are accepted, and
 * `null` (sandboxed frames, file: pages) never is. No Origin at all means a
 * non-browser client, which sends its credentials deliberately.
 */
export function isAllowedUpgradeOrigin(
  headers: IncomingHttpHeaders,
  allowed: readonly RegExp[],
): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  const host = URL.parse(origin)?.host;
  if (host === undefined) return false;
  if (headers.host !== undefined && host === headers.host.toLowerCase()) return true;
  return allowed.some((pattern) => pattern.test(origin));
}
