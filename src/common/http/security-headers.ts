import type { FastifyHelmetOptions } from '@fastify/helmet';

/**
 * helmet's full set, for documents a browser renders (sign-in pages, GraphiQL, the outage page);
 * the CSP directives below change or add to helmet's defaults (default-src, script-src and img-src
 * stay theirs: 'self', and data: images). `appOrigins` (AUTH_RETURN_TO_ORIGINS) may receive the
 * sign-in form's redirect: browsers apply `form-action` to where a form submission is redirected, too.
 */
export function documentHeaders(appOrigins: readonly string[]): FastifyHelmetOptions {
  return {
    contentSecurityPolicy: {
      directives: {
        // The login and sign-up pages carry their styles inline; no script runs there.
        styleSrc: ["'self'", "'unsafe-inline'"],
        connectSrc: ["'self'"],
        formAction: ["'self'", ...appOrigins],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginResourcePolicy: { policy: 'same-site' },
    // helmet's default (no-referrer) makes browsers send `Origin: null` on form posts,
    // which the origin check of the sign-in form must then refuse.
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  };
}

/**
 * What the OWASP REST Security Cheat Sheet gives API responses: the protections
 * that apply to JSON (no sniffing, no framing, no cross-site embedding, HTTPS
 * only), without helmet's document-only headers.
 */
export const API_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'cross-origin-resource-policy': 'same-site',
};

/** Whether a response's content type is a document a browser renders. */
export function isHtml(contentType: unknown): boolean {
  return typeof contentType === 'string' && contentType.startsWith('text/html');
}
