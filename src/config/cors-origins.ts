function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * An allowed browser origin: an exact origin, or one with `*` standing for any
 * port or any single sub-domain label (`http://localhost:*`, `https://*.example.com`).
 */
export function compileOriginPattern(pattern: string): RegExp {
  const normalized = pattern.trim().replace(/\/+$/, '');
  const parts = normalized.split('*').map(escapeRegExp);
  return new RegExp(`^${parts.join('[A-Za-z0-9-]+')}$`);
}

export function isValidOriginPattern(pattern: string): boolean {
  return /^https?:\/\/[A-Za-z0-9.*-]+(:(\d+|\*))?\/?$/.test(pattern.trim());
}
