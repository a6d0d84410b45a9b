const DATABASE_DOWN =
  /MongoServerSelectionError|MongoNetworkError|MongoNotConnectedError|MongoTopologyClosedError|MongoPoolClosedError|MongoNetworkTimeoutError/;

/** The server's code for a query stopped at its `maxTimeMS` (DB_TIMEOUT). */
const MAX_TIME_MS_EXPIRED = 50;

/**
 * The driver's ways of saying the database cannot be reached right now, and
 * the server's answer to a query that ran past DB_TIMEOUT: to a client both
 * mean "not now, try again shortly".
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if ((error as { code?: unknown }).code === MAX_TIME_MS_EXPIRED) return true;
  return (
    DATABASE_DOWN.test(error.name) ||
    /before initial connection is complete|Client must be connected|connection .* closed|ECONNREFUSED/i.test(
      error.message,
    )
  );
}

/** A write refused by a unique index (`E11000`): the value is taken, or a random id collided. */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null | undefined)?.code === 11000;
}
