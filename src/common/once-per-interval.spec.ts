import { OncePerInterval } from './once-per-interval';

describe('OncePerInterval', () => {
  it('says yes once per interval for each key', () => {
    const due = new OncePerInterval(60_000);
    expect(due.due('a', 1_000)).toBe(true);
    expect(due.due('a', 30_000)).toBe(false);
    expect(due.due('b', 30_000)).toBe(true);
    expect(due.due('a', 60_999)).toBe(false);
    expect(due.due('a', 61_000)).toBe(true);
  });
});
