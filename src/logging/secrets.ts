/** Keys whose values could be used to sign in, or that carry personal secrets. */
const SECRET_KEY =
  /pass(word)?|secret|token|cookie|authorization|jwt|api[-_]?key|credential|private[-_]?key/i;
const REDACTED = '[Redacted]';
const MAX_DEPTH = 8;

/**
 * A copy of `value` with the values of secret-looking keys replaced, at any
 * depth. Used for everything this service logs that came from a client
 * (GraphQL variables, bodies, error details).
 */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (Array.isArray(value)) return value.map((item) => scrubSecrets(item, depth + 1));
  if (value instanceof Date || value instanceof Error || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? REDACTED : scrubSecrets(inner, depth + 1);
  }
  return out;
}
