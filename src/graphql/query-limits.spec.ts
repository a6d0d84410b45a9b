import { parse } from 'graphql';
import { CostCache } from './query-limits';

describe('CostCache', () => {
  const document = parse('query ($n: Int) { listUsers(first: $n) { edges { cursor } } }');

  it('works a cost out once per document, operation and variables', () => {
    const cache = new CostCache();
    const compute = jest.fn(() => 42);
    expect(cache.get(document, 'A\u0000{"n":5}', compute)).toBe(42);
    expect(cache.get(document, 'A\u0000{"n":5}', compute)).toBe(42);
    expect(compute).toHaveBeenCalledTimes(1);
  });

  it('works it out again for other variables or another document', () => {
    const cache = new CostCache();
    const costs = [10, 20, 30];
    const compute = jest.fn(() => costs.shift()!);
    expect(cache.get(document, '\u0000{"n":5}', compute)).toBe(10);
    expect(cache.get(document, '\u0000{"n":50}', compute)).toBe(20);
    expect(cache.get(parse('{ __typename }'), '\u0000{"n":5}', compute)).toBe(30);
    expect(compute).toHaveBeenCalledTimes(3);
  });

  it('stays bounded per document and never keeps an oversized key', () => {
    const cache = new CostCache(2, 16);
    const compute = jest.fn(() => 1);
    for (const key of ['a', 'b', 'c', 'a']) cache.get(document, key, compute);
    // 'c' cleared the full map, so 'a' was worked out again.
    expect(compute).toHaveBeenCalledTimes(4);
    const long = 'x'.repeat(17);
    cache.get(document, long, compute);
    cache.get(document, long, compute);
    expect(compute).toHaveBeenCalledTimes(6);
  });
});
