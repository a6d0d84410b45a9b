import { displayHost } from './bootstrap';

describe('displayHost (the start-up line people open)', () => {
  it('names all interfaces localhost, so the page people open is on the same site as apps on localhost', () => {
    expect(displayHost('0.0.0.0')).toBe('localhost');
    expect(displayHost('::')).toBe('localhost');
  });

  it('keeps a specific address, bracketing IPv6', () => {
    expect(displayHost('127.0.0.1')).toBe('127.0.0.1');
    expect(displayHost('::1')).toBe('[::1]');
  });
});
