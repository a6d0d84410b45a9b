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

  /** Renews the access token while it is still valid; its new expiry, or undefined when the session is over. */
  async refresh(): Promise<Date | undefined> {
    const response = await this.post('/auth/refresh');
    if (!response.ok) return undefined;
    const body = (await response.json()) as { expires_at?: string };
    return body.expires_at ? new Date(body.expires_at) : undefined;
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

/**
 * Proactive renewal: refresh now, then again halfway to each new expiry, so the token never
 * expires while the page is open. Calls `onChange` with each expiry, undefined once renewal fails.
 * Returns a function that stops it.
 */
export function keepSessionFresh(
  session: Session,
  onChange: (expiresAt: Date | undefined) => void,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const renew = async (): Promise<void> => {
    const expiresAt = await session.refresh().catch(() => undefined);
    if (stopped) return;
    onChange(expiresAt);
    if (!expiresAt) return;
    const halfway = Math.max(1_000, (expiresAt.getTime() - Date.now()) / 2);
    timer = setTimeout(() => void renew(), halfway);
  };
  void renew();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
