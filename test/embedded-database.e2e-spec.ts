import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import { averageOf, countAndSumBy } from '../src/database/group-by';
import { testDatabaseUri, uniqueDatabaseName } from './support/test-app';

/**
 * The aggregation helpers on the test database server (FerretDB unless
 * TEST_MONGODB_URI names a MongoDB): what a mocked model cannot show
 * (docs/architecture.md, "The embedded database").
 */
describe('countAndSumBy on the test database server', () => {
  let connection: Connection;
  let ratings: Model<unknown>;
  const RATINGS: Record<string, number[]> = { i1: [5, 4, 4], i2: [1], i3: [2, 3, 5, 5] };

  beforeAll(async () => {
    connection = await mongoose.createConnection(testDatabaseUri(uniqueDatabaseName())).asPromise();
    ratings = connection.model<unknown>(
      'Rating',
      new Schema({ _id: String, item_id: { type: String, index: true }, rating: Number }),
      'rating',
    );
    await ratings.insertMany(
      Object.entries(RATINGS).flatMap(([item, values]) =>
        values.map((rating, i) => ({ _id: `${item}-${i}`, item_id: item, rating })),
      ),
    );
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('counts and sums per foreign id, several ids at once', async () => {
    const totals = await countAndSumBy(ratings, 'item_id', ['i1', 'i2', 'i3', 'none'], 'rating');
    expect(Object.fromEntries(totals)).toEqual({
      i1: { count: 3, sum: 13 },
      i2: { count: 1, sum: 1 },
      i3: { count: 4, sum: 15 },
    });
    expect(averageOf(totals.get('i3'))).toBe(3.75);
    expect(averageOf(totals.get('none'))).toBeNull();
  });

  it('answers a batch of one id (sent as an equality)', async () => {
    expect(Object.fromEntries(await countAndSumBy(ratings, 'item_id', ['i1'], 'rating'))).toEqual({
      i1: { count: 3, sum: 13 },
    });
  });

  it('counts without summing', async () => {
    expect(Object.fromEntries(await countAndSumBy(ratings, 'item_id', ['i2', 'i3']))).toEqual({
      i2: { count: 1, sum: 0 },
      i3: { count: 4, sum: 0 },
    });
  });
});
