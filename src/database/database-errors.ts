const DATABASE_DOWN =
  /MongoServerSelectionError|MongoNetworkError|MongoNotConnectedError|MongoTopologyClosedError|MongoPoolClosedError|MongoNetworkTimeoutError/;

/** The driver's ways of saying the database cannot be reached right now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    DATABASE_DOWN.test(error.name) ||
    /before initial connection is complete|Client must be connected|connection .* closed|ECONNREFUSED/i.test(
      error.message,
    )
  );
}

/** A write refused by a unique index (`E11000`): the value is taken, or a random id collided. */
export function isDuplicateKey(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000
  );
}
