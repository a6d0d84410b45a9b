import type { Model } from 'mongoose';
import { averageOf, countAndSumBy } from './group-by';

/** A model whose `aggregate` answers each pipeline from `answer` and records it. */
function modelAnswering(answer: (pipeline: object[]) => { _id: string; value: number }[]) {
  const pipelines: object[][] = [];
  const model = {
    aggregate: (pipeline: object[]) => {
      pipelines.push(pipeline);
      return { exec: () => Promise.resolve(answer(pipeline)) };
    },
  } as unknown as Model<unknown>;
  return { model, pipelines };
}

describe('countAndSumBy', () => {
  it('sends one $group per accumulator and joins them per id', async () => {
    const { model, pipelines } = modelAnswering((pipeline) => {
      const accumulator = JSON.stringify(pipeline[1]);
      return accumulator.includes('"$rating"')
        ? [
            { _id: 'i1', value: 9 },
            { _id: 'i2', value: 4 },
          ]
        : [
            { _id: 'i1', value: 2 },
            { _id: 'i2', value: 1 },
          ];
    });
    const totals = await countAndSumBy(model, 'item_id', ['i1', 'i2', 'i3'], 'rating');
    expect(Object.fromEntries(totals)).toEqual({
      i1: { count: 2, sum: 9 },
      i2: { count: 1, sum: 4 },
    });
    expect(pipelines).toEqual([
      [
        { $match: { item_id: { $in: ['i1', 'i2', 'i3'] } } },
        { $group: { _id: '$item_id', value: { $sum: 1 } } },
      ],
      [
        { $match: { item_id: { $in: ['i1', 'i2', 'i3'] } } },
        { $group: { _id: '$item_id', value: { $sum: '$rating' } } },
      ],
    ]);
  });

  it('matches one id by equality and counts only when no field is summed', async () => {
    const { model, pipelines } = modelAnswering(() => [{ _id: 'u1', value: 3 }]);
    expect(Object.fromEntries(await countAndSumBy(model, 'user_id', ['u1']))).toEqual({
      u1: { count: 3, sum: 0 },
    });
    expect(pipelines).toEqual([
      [{ $match: { user_id: 'u1' } }, { $group: { _id: '$user_id', value: { $sum: 1 } } }],
    ]);
  });

  it('sends nothing for no ids', async () => {
    const { model, pipelines } = modelAnswering(() => []);
    expect((await countAndSumBy(model, 'user_id', [])).size).toBe(0);
    expect(pipelines).toEqual([]);
  });
});

describe('averageOf', () => {
  it('divides the sum by the count, and is null for nothing', () => {
    expect(averageOf({ count: 4, sum: 14 })).toBe(3.5);
    expect(averageOf({ count: 0, sum: 0 })).toBeNull();
    expect(averageOf(undefined)).toBeNull();
  });
});
