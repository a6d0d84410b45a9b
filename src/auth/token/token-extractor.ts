import type { IncomingHttpHeaders } from 'node:http';

export type ExtractedToken =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string; readonly from: 'cookie' | 'bearer' }
  | { readonly kind: 'conflict' };

/** Reads one cookie's value from a Cookie header without parsing the others. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  const prefix = `${name}=`;
  for (const part of header.split(';')) {
    const trimmed = part.trim();
    if (trimmed.startsWith(prefix)) {
      const value = trimmed.slice(prefix.length);
      return value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
    }
  }
  return undefined;
}

/**
 * The one place a token is read from a request: the cookie (browsers) or an
 * `Authorization: Bearer` header (other clients). Both present and different
 * is a conflict, refused: it is either a bug or an attempt to confuse us.
 */
export function extractToken(headers: IncomingHttpHeaders, cookieName: string): ExtractedToken {
  const cookie = readCookie(headers.cookie, cookieName) || undefined;
  const authorization = headers.authorization;
  const bearer =
    typeof authorization === 'string' && /^Bearer\s+/i.test(authorization)
      ? authorization.replace(/^Bearer\s+/i, '').trim() || undefined
      : undefined;
  if (cookie && bearer)
    return cookie === bearer
      ? { kind: 'token', token: cookie, from: 'cookie' }
      : { kind: 'conflict' };
  if (cookie) return { kind: 'token', token: cookie, from: 'cookie' };
  if (bearer) return { kind: 'token', token: bearer, from: 'bearer' };
  return { kind: 'none' };
}
