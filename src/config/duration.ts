const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const DURATION = /^(\d+)(ms|s|m|h|d)?$/;

/** Parses `900`, `90s`, `15m`, `12h`, `7d` or `500ms` into milliseconds; a bare number is seconds. */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  return unit === 'ms' ? value : value * UNIT_SECONDS[unit] * 1000;
}
