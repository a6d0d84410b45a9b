/**
 * What a refresh came to: a new access token; no session at all (never signed in, or signed
 * out: no refresh cookie); a session that has ended (revoked, past SESSION_MAX_AGE, or its
 * refresh token already used); or no answer (network, 429, 5xx).
 */
export type Renewal = 'renewed' | 'no-session' | 'ended' | 'failed';

/**
 * Sign-in, renewal and sign-out with the API's auth endpoint. The app never sees the token:
 * it lives in an httpOnly cookie the browser sends with `credentials: 'include'`.
 */
export class Session {
  constructor(private readonly apiUrl: string) {}

  /** The login page sends the browser back here (its origin must be in AUTH_RETURN_TO_ORIGINS). */
  signIn(): void {
    const returnTo = encodeURIComponent(window.location.href);
    window.location.assign(`${this.apiUrl}/auth/login?return_to=${returnTo}`);
  }

  /** POST /auth/refresh: a new access token (and refresh token) from the refresh cookie. */
  async renew(): Promise<Renewal> {
    const response = await this.post('/auth/refresh').catch(() => undefined);
    if (response?.ok) return 'renewed';
    if (response?.status !== 401) return 'failed';
    const body = (await response.json().catch(() => ({}))) as { reason?: unknown };
    return body.reason === 'missing' ? 'no-session' : 'ended';
  }

  async signOut(): Promise<void> {
    const response = await this.post('/auth/logout');
    if (!response.ok) throw new Error(`sign-out failed: HTTP ${response.status}`);
  }

  private post(path: string): Promise<Response> {
    return fetch(`${this.apiUrl}${path}`, {
      method: 'POST',
      credentials: 'include',
      // A JSON body makes it a CORS request the API can check (docs/auth.md).
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
  }
}
