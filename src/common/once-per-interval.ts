/**
 * Says yes at most once per interval for each key: for log lines about a
 * state that lasts (a store that does not answer), written on the first
 * request that meets it and then once a minute, not on every request.
 */
export class OncePerInterval {
  private readonly lastYes = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  due(key = '', now = Date.now()): boolean {
    const last = this.lastYes.get(key);
    if (last !== undefined && now - last < this.intervalMs) return false;
    this.lastYes.set(key, now);
    return true;
  }
}
