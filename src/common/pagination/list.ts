import type { OrderByLike, PageRequest } from './keyset';

/** What a client asks of a list, in plain values: paging, sort, a JSON filter, and whether to count. */
export interface ListRequest extends PageRequest {
  readonly orderBy?: readonly (OrderByLike | null)[] | null;
  /** JSON text of field conditions (common/filters/safe-filter). */
  readonly filter?: string | null;
}
