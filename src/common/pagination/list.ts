import type { OrderByLike, Page, PageRequest } from './keyset';

/** What a client asks of a list, in plain values: paging, sort, a JSON filter, and whether to count. */
export interface ListRequest extends PageRequest {
  readonly orderBy?: readonly (OrderByLike | null)[] | null;
  /** JSON text of field conditions (common/filters/safe-filter). */
  readonly filter?: string | null;
  /** Count every match (ignoring paging): only when the client asked for it. */
  readonly withTotal?: boolean;
}

/** One page of a list, with its cursors, and the total when it was asked for. */
export interface ListPage<T> extends Page<T> {
  readonly totalCount?: number;
}

/** A page with its total, counted only when asked for. */
export async function withTotal<T>(
  page: Page<T>,
  request: ListRequest,
  count: () => Promise<number>,
): Promise<ListPage<T>> {
  return request.withTotal ? { ...page, totalCount: await count() } : page;
}
