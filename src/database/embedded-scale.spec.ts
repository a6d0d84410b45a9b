import { beyondFerretdbScale, FERRETDB_COMFORTABLE_DOCUMENTS } from './embedded-scale';

describe('beyondFerretdbScale', () => {
  it('says nothing up to the comfortable size', () => {
    expect(
      beyondFerretdbScale({ users: FERRETDB_COMFORTABLE_DOCUMENTS, orders: undefined }),
    ).toBeUndefined();
  });

  it('names every collection asked to hold more', () => {
    expect(beyondFerretdbScale({ users: 20_000, items: 10, orders: 50_000 })).toMatch(
      /^Note: the database is FerretDB, which serves about 10,000 documents per collection comfortably .*; 20000 users, 50000 orders will make most queries take seconds\. For more, set MONGODB_URI/,
    );
  });
});
