import { ExtractJwt, type JwtFromRequestFunction } from 'passport-jwt';

export type ExtractedToken =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'conflict' };

/** What the extractors read: Fastify's request with the cookies @fastify/cookie parsed. */
export interface TokenCarrier {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly cookies?: Record<string, string | undefined>;
}

/** passport-jwt's extractor signature, over the request shape this service has. */
type Extractor = (req: TokenCarrier) => string | null;

function cookieExtractor(cookieName: string): Extractor {
  return (req) => req.cookies?.[cookieName] || null;
}

const bearerExtractor = ExtractJwt.fromAuthHeaderAsBearerToken() as unknown as Extractor;

/**
 * The token of a request: the cookie (browsers), else `Authorization: Bearer`
 * (other clients), both read by passport-jwt extractors. Both present and
 * different is a conflict, refused: it is either a bug or an attempt to
 * confuse us.
 */
export function tokenExtractor(cookieName: string): (req: TokenCarrier) => ExtractedToken {
  const fromCookie = cookieExtractor(cookieName);
  return (req) => {
    const cookie = fromCookie(req);
    const bearer = bearerExtractor(req);
    if (cookie && bearer && cookie !== bearer) return { kind: 'conflict' };
    const token = cookie ?? bearer;
    return token ? { kind: 'token', token } : { kind: 'none' };
  };
}

/** The same rule as passport-jwt's `jwtFromRequest`: a conflict yields no token. */
export function jwtFromRequest(cookieName: string): JwtFromRequestFunction {
  const extract = tokenExtractor(cookieName);
  return (req) => {
    const extracted = extract(req as unknown as TokenCarrier);
    return extracted.kind === 'token' ? extracted.token : null;
  };
}
