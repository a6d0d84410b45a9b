import type { Model } from 'mongoose';
import { plainValue, valueAt } from '../plain-value';
import type { MongoFilter } from '../filters/safe-filter';
import { badUserInput } from '../errors';

/** One key of a sort, by database path. `_id` ASC is always appended as the tie-breaker. */
export interface SortKey {
  readonly path: string;
  readonly direction: 1 | -1;
}

export interface OrderByLike {
  readonly field?: string | null;
  readonly direction?: 'ASC' | 'DESC' | null;
}

export interface PageRequest {
  readonly first?: number | null;
  readonly after?: string | null;
  readonly last?: number | null;
  readonly before?: string | null;
  /** Count every match (ignoring paging): only when the client asked for it. */
  readonly withTotal?: boolean;
}

/** The page sizes a list allows (the configuration's `graphql` section has them). */
export interface PageLimits {
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
}

export interface Page<T> {
  readonly items: T[];
  readonly cursors: string[];
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  /** Present when the request asked for it. */
  readonly totalCount?: number;
}

type Scalar = string | number | boolean | null;

/**
 * The sort an `orderBy` list asks for, checked against the sortable fields
 * (GraphQL and database name alike); anything else is BAD_USER_INPUT.
 */
export function resolveSort(
  orderBy: readonly (OrderByLike | null)[] | null | undefined,
  sortable: readonly string[],
): SortKey[] {
  const keys: SortKey[] = [];
  for (const entry of orderBy ?? []) {
    if (!entry) continue;
    const path = entry.field ?? '';
    if (!sortable.includes(path))
      throw badUserInput(`Cannot sort by "${path}": sortable fields are ${sortable.join(', ')}`);
    if (keys.some((key) => key.path === path)) continue;
    keys.push({ path, direction: entry.direction === 'DESC' ? -1 : 1 });
  }
  keys.push({ path: '_id', direction: 1 });
  return keys;
}

function signature(keys: readonly SortKey[]): string {
  return keys.map((key) => `${key.path}:${key.direction}`).join(',');
}

// Sort values are scalars or dates: every collection's `_id` is a string.
function encodeValue(value: unknown): Scalar | { d: string } {
  if (value instanceof Date) return { d: value.toISOString() };
  return (value ?? null) as Scalar;
}

function decodeValue(value: unknown): unknown {
  if (value && typeof value === 'object') {
    if ('d' in value && typeof value.d === 'string') return new Date(value.d);
    throw new Error('bad value');
  }
  return value;
}

/** Opaque cursor: the sort's signature and the item's sort values. */
export function encodeCursor(keys: readonly SortKey[], doc: unknown): string {
  return Buffer.from(
    JSON.stringify({
      s: signature(keys),
      v: keys.map((key) => encodeValue(valueAt(doc, key.path))),
    }),
  ).toString('base64url');
}

function decodeCursor(cursor: string, keys: readonly SortKey[]): unknown[] {
  try {
    if (cursor.length > 2048) throw new Error('too long');
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      s?: unknown;
      v?: unknown;
    };
    if (parsed.s !== signature(keys))
      throw badUserInput('This cursor belongs to another sort order or list');
    if (!Array.isArray(parsed.v) || parsed.v.length !== keys.length) throw new Error('bad values');
    return parsed.v.map(decodeValue);
  } catch (error) {
    if (error instanceof Error && error.name === 'GraphQLError') throw error;
    throw badUserInput('Invalid cursor');
  }
}

/**
 * The MongoDB condition for "strictly after these values" in this sort
 * (or before, going backwards). Missing values sort first, as MongoDB does.
 */
function seekFilter(
  keys: readonly SortKey[],
  values: readonly unknown[],
  forward: boolean,
): MongoFilter {
  const branches: Record<string, unknown>[] = [];
  for (const [i, { path, direction }] of keys.entries()) {
    const value = values[i] ?? null;
    const ascending = (direction === 1) === forward;
    // Nothing comes before a missing value.
    if (value === null && !ascending) continue;
    let beyond: Record<string, unknown>;
    if (value === null) beyond = { [path]: { $ne: null } };
    else if (ascending) beyond = { [path]: { $gt: value } };
    else beyond = { $or: [{ [path]: { $lt: value } }, { [path]: null }] };
    const equal = keys.slice(0, i).map((key, j) => ({ [key.path]: values[j] ?? null }));
    branches.push(equal.length ? { $and: [...equal, beyond] } : beyond);
  }
  // The simplest equivalent form: FerretDB evaluates every operator in Go, per document.
  if (branches.length === 1) return branches[0];
  return branches.length ? { $or: branches } : { _id: { $exists: false } };
}

function pageSize(
  page: PageRequest,
  limits: PageLimits,
): { forward: boolean; size: number; cursor: string | undefined } {
  for (const name of ['first', 'last'] as const) {
    const value = page[name];
    if (value != null && (!Number.isInteger(value) || value < 0 || value > limits.maxPageSize))
      throw badUserInput(`${name} must be between 0 and ${limits.maxPageSize}`);
  }
  if (page.first != null && page.last != null)
    throw badUserInput('Use either first or last, not both');
  const forward = page.last == null && page.before == null;
  const size = (forward ? page.first : page.last) ?? limits.defaultPageSize;
  return { forward, size, cursor: (forward ? page.after : page.before) ?? undefined };
}

export interface KeysetQuery {
  readonly filter: MongoFilter;
  readonly keys: readonly SortKey[];
  readonly page: PageRequest;
  readonly limits: PageLimits;
}

/** One page by keyset (seek): page 5,000 costs what page 1 costs. The total counts `query.filter`. */
// Any model: the repositories that call this know their document type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function findPage<T>(model: Model<any>, query: KeysetQuery): Promise<Page<T>> {
  const { forward, size, cursor } = pageSize(query.page, query.limits);
  let filter = query.filter;
  if (cursor) {
    const seek = seekFilter(query.keys, decodeCursor(cursor, query.keys), forward);
    filter = Object.keys(filter).length === 0 ? seek : { $and: [filter, seek] };
  }
  const sort = Object.fromEntries(
    query.keys.map((key) => [key.path, forward ? key.direction : (-key.direction as -1 | 1)]),
  );
  const docs = (await model
    .find(filter)
    .sort(sort)
    .limit(size + 1)
    .lean()
    .exec()) as T[];
  const page = toPage(docs, size, forward, cursor !== undefined, query.keys);
  if (!query.page.withTotal) return page;
  return { ...page, totalCount: await model.countDocuments(query.filter).exec() };
}

function toPage<T>(
  docs: T[],
  size: number,
  forward: boolean,
  hadCursor: boolean,
  keys: readonly SortKey[],
): Page<T> {
  const hasMore = docs.length > size;
  const items = docs.slice(0, size);
  if (!forward) items.reverse();
  return {
    items,
    cursors: items.map((item) => encodeCursor(keys, item)),
    hasNextPage: forward ? hasMore : hadCursor,
    hasPreviousPage: forward ? hadCursor : hasMore,
  };
}

/** Orders two plain values (see plainValue): missing first, then numbers, strings, the rest. */
function compareValues(a: unknown, b: unknown): number {
  const rank = (v: unknown) =>
    v === null || v === undefined ? 0 : typeof v === 'number' ? 1 : typeof v === 'string' ? 2 : 3;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return 0;
  const x = typeof a === 'object' ? String(a) : (a as number | string);
  const y = typeof b === 'object' ? String(b) : (b as number | string);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The same paging over an in-memory list (an order's embedded lines). */
export function pageOfArray<T>(
  all: readonly T[],
  keys: readonly SortKey[],
  page: PageRequest,
  limits: PageLimits,
): Page<T> {
  const { forward, size, cursor } = pageSize(page, limits);
  const valuesOf = (item: T) => keys.map((key) => plainValue(valueAt(item, key.path)));
  const compare = (a: readonly unknown[], b: readonly unknown[]) => {
    for (let i = 0; i < keys.length; i += 1) {
      const order = compareValues(a[i], b[i]) * keys[i].direction;
      if (order !== 0) return order;
    }
    return 0;
  };
  const sorted = [...all].sort((a, b) => compare(valuesOf(a), valuesOf(b)));
  if (!forward) sorted.reverse();
  let start = 0;
  if (cursor) {
    // The first item beyond the cursor in the direction of travel.
    const after = decodeCursor(cursor, keys).map(plainValue);
    start = sorted.findIndex((item) => compare(valuesOf(item), after) * (forward ? 1 : -1) > 0);
    if (start < 0) start = sorted.length;
  }
  const rest = sorted.slice(start, start + size + 1);
  const result = toPage(rest, size, forward, cursor !== undefined, keys);
  return page.withTotal ? { ...result, totalCount: all.length } : result;
}
