/** Where the API is, read at start-up from ./config.json so one build runs against any API. */
export interface Settings {
  /** The API's origin, e.g. `https://api.example.com`: on the same site as this app (docs/frontend.md). */
  readonly apiUrl: string;
  /** Orders per page. */
  readonly pageSize: number;
}

export async function loadSettings(): Promise<Settings> {
  const response = await fetch('./config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const raw = (await response.json()) as Partial<Settings>;
  if (typeof raw.apiUrl !== 'string') throw new Error('config.json: apiUrl is missing');
  return {
    apiUrl: raw.apiUrl.replace(/\/+$/, ''),
    pageSize: typeof raw.pageSize === 'number' ? raw.pageSize : 10,
  };
}
