import { isHtml, securityHeaders } from './security-headers';

describe('securityHeaders', () => {
  const headers = securityHeaders({
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });

  it("gives documents helmet's full set, built from the options", () => {
    expect(headers.html['content-security-policy']).toContain("default-src 'self'");
    expect(headers.html['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers.html['x-content-type-options']).toBe('nosniff');
    expect(headers.html['cross-origin-opener-policy']).toBe('same-origin');
    expect(headers.html['cross-origin-resource-policy']).toBe('same-site');
  });

  it('gives API answers what applies to them: no sniffing, no framing, HTTPS only, same-site embedding', () => {
    expect(headers.api).toEqual({
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'strict-transport-security': headers.html['strict-transport-security'],
      'cross-origin-resource-policy': 'same-site',
    });
  });

  it('tells documents from everything else by content type', () => {
    expect(isHtml('text/html; charset=utf-8')).toBe(true);
    expect(isHtml('application/json; charset=utf-8')).toBe(false);
    expect(isHtml(undefined)).toBe(false);
  });
});
