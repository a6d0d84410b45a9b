import type { AccumulatorOperator, Model } from 'mongoose';
import { fieldIn } from './ids-filter';

/** How many documents point at one foreign id, and the sum of a numeric field over them. */
export interface GroupTotals {
  readonly count: number;
  readonly sum: number;
}

/**
 * Counts (and sums `sumField` over) the documents of `model` whose `key` is
 * one of `ids`, per id; ids nothing points at are absent. One `$group` per
 * accumulator, sent together: FerretDB answers a `$group` with several
 * accumulators with 0 for all but the first, and has no `$avg`
 * (docs/architecture.md, "The embedded database").
 */
export async function countAndSumBy(
  model: Model<any>, // eslint-disable-line @typescript-eslint/no-explicit-any -- any collection's model
  key: string,
  ids: readonly string[],
  sumField?: string,
): Promise<Map<string, GroupTotals>> {
  if (ids.length === 0) return new Map();
  const match = { $match: fieldIn(key, ids) };
  const group = (accumulator: AccumulatorOperator) =>
    model
      .aggregate<{ _id: string; value: number }>([
        match,
        { $group: { _id: `$${key}`, value: accumulator } },
      ])
      .exec();
  const [counts, sums] = await Promise.all([
    group({ $sum: 1 }),
    sumField ? group({ $sum: `$${sumField}` }) : Promise.resolve([]),
  ]);
  const sumOf = new Map(sums.map((row) => [row._id, row.value]));
  return new Map(
    counts.map((row) => [row._id, { count: row.value, sum: sumOf.get(row._id) ?? 0 }]),
  );
}

/** The mean of the summed field, or null when nothing was counted. */
export function averageOf(totals: GroupTotals | undefined): number | null {
  return totals && totals.count > 0 ? totals.sum / totals.count : null;
}
