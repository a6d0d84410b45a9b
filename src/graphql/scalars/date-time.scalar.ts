import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

// YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|±HH:MM): a calendar date, a time of day and a zone.
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** A value a scalar of ours refused: bad input, wherever it was written (variable or literal). */
export class ScalarInputError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: 'BAD_USER_INPUT' } });
  }
}

function invalid(value: unknown): GraphQLError {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
  return new ScalarInputError(
    `DateTime must be an ISO-8601 date and time with a zone, such as "2018-01-01T08:00:00.000Z"; got ${shown}`,
  );
}

/** A real moment from ISO-8601 text: every part in range, and a day that exists in its month. */
function parseDateTime(value: unknown): Date {
  if (typeof value !== 'string') throw invalid(value);
  const match = ISO_8601.exec(value);
  if (!match) throw invalid(value);
  const [, year, month, day, hour, minute, second = '0', , zone, zoneHour, zoneMinute] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number);
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  const inRange =
    mo >= 1 &&
    mo <= 12 &&
    d >= 1 &&
    d <= daysInMonth &&
    h <= 23 &&
    mi <= 59 &&
    s <= 59 &&
    (zone === 'Z' || (Number(zoneHour) <= 23 && Number(zoneMinute) <= 59));
  const date = new Date(value);
  if (!inRange || Number.isNaN(date.getTime())) throw invalid(value);
  return date;
}

/**
 * `DateTime`: ISO-8601 text in UTC on the way out; on the way in, ISO-8601
 * text with a real calendar date, a time and a zone, and nothing else (no
 * numbers, no "2018-13-45"), refused as BAD_USER_INPUT before any resolver.
 */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description:
    'A moment as ISO-8601 text with a zone, e.g. "2018-01-01T08:00:00.000Z"; always UTC in answers.',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(date.getTime()))
      throw new GraphQLError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue: parseDateTime,
  parseLiteral(ast: ValueNode) {
    if (ast.kind !== Kind.STRING)
      throw invalid(ast.kind === Kind.INT || ast.kind === Kind.FLOAT ? 0 : undefined);
    return parseDateTime(ast.value);
  },
});
