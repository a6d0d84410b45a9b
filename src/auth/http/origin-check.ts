import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether a state-changing request may come from where it says it does: a
 * JSON body (a cross-site page cannot send one without a CORS preflight we
 * refuse), or an Origin (else Referer) that is this server or an allowed one.
 */
export function isAllowedStateChange(
  headers: IncomingHttpHeaders,
  ownOrigin: string,
  allowed: readonly RegExp[],
): boolean {
  const contentType = String(headers['content-type'] ?? '').toLowerCase();
  if (contentType.startsWith('application/json')) return true;
  const origin =
    typeof headers.origin === 'string' && headers.origin !== 'null'
      ? headers.origin
      : URL.parse(headers.referer ?? '')?.origin;
  if (!origin) return false;
  return origin === ownOrigin || allowed.some((pattern) => pattern.test(origin));
}
