import { badUserInput } from '../errors';
import { plainValue, valueAt } from '../plain-value';

/** A MongoDB query filter built by this code (never taken from a client as is). */
export type MongoFilter = Record<string, unknown>;

/** A filterable field: its database path and its kind (`dbId`: a raw id, never decoded). */
export interface FilterField {
  readonly path: string;
  readonly kind: 'string' | 'number' | 'date' | 'id' | 'dbId';
}

/** `_id`, the raw id legacy clients hold, is a permitted field of every filter (docs/api.md). */
export const RAW_ID_FIELD: FilterField = { path: '_id', kind: 'dbId' };

const OPERATORS = new Set(['$in', '$gt', '$gte', '$lt', '$lte', '$ne']);
const COMPARISONS: Readonly<Record<string, (a: number | string, b: number | string) => boolean>> = {
  $gt: (a, b) => a > b,
  $gte: (a, b) => a >= b,
  $lt: (a, b) => a < b,
  $lte: (a, b) => a <= b,
};
const MAX_FILTER_LENGTH = 4096;
const MAX_IN_VALUES = 100;

type Scalar = string | number | boolean | null;

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/**
 * Parses a client's JSON filter into a MongoDB filter that can only say what
 * api.md allows: whitelisted fields; a scalar (equality) or an object of
 * `$in`, `$gt`, `$gte`, `$lt`, `$lte`, `$ne` with scalar operands. Anything
 * else (`$where`, `$regex`, `$expr`, nested operators, unknown fields,
 * arrays where scalars belong, non-JSON) is BAD_USER_INPUT before the
 * database sees it.
 */
export function parseSafeFilter(
  text: string | null | undefined,
  fields: Readonly<Record<string, FilterField>>,
  options: { readonly decodeId?: (value: string, field: string) => string } = {},
): MongoFilter {
  if (text === null || text === undefined || text.trim() === '') return {};
  if (text.length > MAX_FILTER_LENGTH)
    throw badUserInput(`Filter too long (at most ${MAX_FILTER_LENGTH} characters)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badUserInput('Failed converting filter into JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badUserInput('The filter must be a JSON object of field conditions');
  }
  const filter: Record<string, unknown> = {};
  for (const [name, condition] of Object.entries(parsed)) {
    const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (!field) {
      throw badUserInput(
        `Cannot filter on "${name}": filterable fields are ${Object.keys(fields).join(', ')}`,
      );
    }
    const value = (raw: unknown): unknown => operand(raw, name, field, options.decodeId);
    if (isScalar(condition)) {
      filter[field.path] = value(condition);
      continue;
    }
    if (Array.isArray(condition) || typeof condition !== 'object')
      throw badUserInput(`"${name}" must be a value or an operator object`);
    const operators: Record<string, unknown> = {};
    for (const [operator, argument] of Object.entries(condition as Record<string, unknown>)) {
      if (!OPERATORS.has(operator)) {
        throw badUserInput(
          `Operator "${operator}" is not allowed on "${name}": use $in, $gt, $gte, $lt, $lte or $ne`,
        );
      }
      if (operator === '$in') {
        if (
          !Array.isArray(argument) ||
          argument.length > MAX_IN_VALUES ||
          !argument.every(isScalar)
        ) {
          throw badUserInput(
            `$in on "${name}" takes an array of at most ${MAX_IN_VALUES} plain values`,
          );
        }
        operators.$in = argument.map(value);
      } else {
        if (!isScalar(argument)) throw badUserInput(`${operator} on "${name}" takes a plain value`);
        operators[operator] = value(argument);
      }
    }
    if (Object.keys(operators).length === 0) throw badUserInput(`"${name}" has an empty condition`);
    filter[field.path] = operators;
  }
  return filter;
}

/** Lone UTF-16 surrogates (what invalid UTF-8 turns into) are refused rather than sent to the database. */
function wellFormed(value: string, name: string): string {
  if (!value.isWellFormed()) throw badUserInput(`"${name}" contains invalid characters`);
  return value;
}

function operand(
  value: unknown,
  name: string,
  field: FilterField,
  decodeId?: (value: string, field: string) => string,
): unknown {
  if (value === null) return null;
  switch (field.kind) {
    case 'string':
      if (typeof value !== 'string') throw badUserInput(`"${name}" takes text`);
      return wellFormed(value, name);
    case 'id':
    case 'dbId':
      if (typeof value !== 'string') throw badUserInput(`"${name}" takes an id`);
      return field.kind === 'id' && decodeId
        ? decodeId(wellFormed(value, name), name)
        : wellFormed(value, name);
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw badUserInput(`"${name}" takes a number`);
      return value;
    case 'date': {
      const date = typeof value === 'string' ? new Date(value) : undefined;
      if (!date || Number.isNaN(date.getTime()))
        throw badUserInput(`"${name}" takes an ISO-8601 date`);
      return date;
    }
  }
}

/** Evaluates a parsed filter against an in-memory object (an order's lines). */
export function matchesFilter(item: unknown, filter: MongoFilter): boolean {
  for (const [path, condition] of Object.entries(filter)) {
    const actual = plainValue(valueAt(item, path));
    const conditionIsOperators =
      condition !== null && typeof condition === 'object' && !(condition instanceof Date);
    if (!conditionIsOperators) {
      if (actual !== plainValue(condition)) return false;
      continue;
    }
    for (const [operator, raw] of Object.entries(condition as Record<string, unknown>)) {
      const expected = plainValue(raw);
      const ok =
        operator === '$in'
          ? (raw as unknown[]).map(plainValue).includes(actual)
          : operator === '$ne'
            ? actual !== expected
            : actual !== null &&
              expected !== null &&
              typeof actual === typeof expected &&
              COMPARISONS[operator](actual as number | string, expected as number | string);
      if (!ok) return false;
    }
  }
  return true;
}
