const DEFAULT_RETURN_TO = '/graph';

/**
 * Where to send the browser after sign-in: a path on this site, or a URL on
 * an allowed origin (AUTH_RETURN_TO_ORIGINS). Anything else falls back to
 * `/graph`, so the login page can never be used as an open redirect.
 */
export function safeReturnTo(value: unknown, allowedOrigins: readonly string[]): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048)
    return DEFAULT_RETURN_TO;
  // Control characters and backslashes are read differently by browsers (`/\\evil` is `//evil`).
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return DEFAULT_RETURN_TO;
  if (value.startsWith('/')) return value.startsWith('//') ? DEFAULT_RETURN_TO : value;
  const url = URL.parse(value);
  if (url && ['http:', 'https:'].includes(url.protocol) && allowedOrigins.includes(url.origin))
    return url.href;
  return DEFAULT_RETURN_TO;
}
