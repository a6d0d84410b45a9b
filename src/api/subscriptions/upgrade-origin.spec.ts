import { compileOriginPattern } from '../../config/cors-origins';
import { isAllowedUpgradeOrigin } from './upgrade-origin';

const ALLOWED = [
  compileOriginPattern('https://app.example.com'),
  compileOriginPattern('http://localhost:*'),
];
const allowed = (headers: Record<string, string>) => isAllowedUpgradeOrigin(headers, ALLOWED);

describe('isAllowedUpgradeOrigin', () => {
  it('accepts the server own origin and CORS_ORIGINS', () => {
    expect(allowed({ host: 'api.example.com', origin: 'https://api.example.com' })).toBe(true);
    expect(allowed({ host: 'api.example.com', origin: 'https://app.example.com' })).toBe(true);
    expect(allowed({ host: '127.0.0.1:8080', origin: 'http://localhost:5173' })).toBe(true);
  });

  it('accepts a client that sends no Origin (not a browser)', () => {
    expect(allowed({ host: 'api.example.com' })).toBe(true);
  });

  it('refuses foreign origins, null, and what is not an origin', () => {
    expect(allowed({ host: 'api.example.com', origin: 'https://evil.example' })).toBe(false);
    expect(
      allowed({ host: 'api.example.com', origin: 'https://api.example.com.evil.example' }),
    ).toBe(false);
    expect(allowed({ host: 'api.example.com', origin: 'null' })).toBe(false);
    expect(allowed({ host: 'api.example.com', origin: 'not a url' })).toBe(false);
    expect(allowed({ origin: 'https://api.example.com' })).toBe(false);
  });
});
