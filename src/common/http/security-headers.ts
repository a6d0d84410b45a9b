import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SecurityHeaders {
  /** helmet's full set, for documents a browser renders (sign-in pages, GraphiQL). */
  readonly html: Readonly<Record<string, string>>;
  /**
   * The set the OWASP REST Security Cheat Sheet gives for API responses: the
   * same protections that apply to JSON (no sniffing, no framing, no
   * cross-site embedding, HTTPS only), without helmet's document-only headers.
   */
  readonly api: Readonly<Record<string, string>>;
}

/** The headers helmet sets for these options, worked out once (no per-request nonces). */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)(
    {} as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error?: unknown) => {
      failure = error;
    },
  );
  if (failure) throw failure;
  return headers;
}

/**
 * Both header sets, built once at start-up. Building helmet's set per request
 * (as @fastify/helmet does) and sending its twelve headers on every JSON
 * answer cost about a tenth of a small GraphQL request (docs/performance.md).
 */
export function securityHeaders(options: HelmetOptions): SecurityHeaders {
  const html = helmetHeaders(options);
  const api: Record<string, string> = {
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  };
  for (const name of ['strict-transport-security', 'cross-origin-resource-policy'])
    if (html[name]) api[name] = html[name];
  return { html: Object.freeze(html), api: Object.freeze(api) };
}

/** Whether a response's content type is a document a browser renders. */
export function isHtml(contentType: unknown): boolean {
  return typeof contentType === 'string' && contentType.startsWith('text/html');
}
