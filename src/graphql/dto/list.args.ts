import { ArgsType, Field, InputType, Int, registerEnumType } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { ListRequest } from '../../common/pagination/list';
import { selects } from '../connections';

export enum OrderByDirection {
  DESC = 'DESC',
  ASC = 'ASC',
}
registerEnumType(OrderByDirection, {
  name: 'OrderByDirection',
  description: 'Sort direction.',
  valuesMap: { ASC: { description: 'Smallest first.' }, DESC: { description: 'Largest first.' } },
});

@InputType('OrderBy', {
  description: 'One sort key; several fold left to right into a multi-key sort.',
})
class OrderByInput {
  @Field(() => String, {
    nullable: true,
    description: 'A documented sortable field of the listed type.',
  })
  field?: string | null;

  @Field(() => OrderByDirection, {
    nullable: true,
    defaultValue: OrderByDirection.ASC,
    description: 'ASC (default) or DESC.',
  })
  direction?: OrderByDirection | null;
}

@InputType('FilterValues', { description: 'A filter over whitelisted fields.' })
class FilterValuesInput {
  @Field(() => String, {
    nullable: true,
    description:
      'JSON object of field conditions: a scalar means equality; `$in`, `$gt`, `$gte`, `$lt`, `$lte`, `$ne` with scalar operands are allowed.',
  })
  filterValuesString?: string | null;
}

@InputType('QueryResolverArgs', {
  description: 'Reserved (accepted and ignored, as in the original API).',
})
class QueryResolverArgsInput {
  @Field(() => String, { nullable: true, description: 'Reserved.' })
  param?: string | null;

  @Field(() => String, { nullable: true, description: 'Reserved.' })
  value?: string | null;
}

@ArgsType()
export class SortedPagingArgs {
  @Field(() => String, { nullable: true, description: 'Return items after this cursor.' })
  after?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Page size going forwards (default 20, at most 100).',
  })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Return items before this cursor.' })
  before?: string | null;

  @Field(() => Int, { nullable: true, description: 'Page size going backwards (at most 100).' })
  last?: number | null;

  @Field(() => [OrderByInput], {
    nullable: 'itemsAndList',
    description: 'Sort keys, left to right; default: by id.',
  })
  orderBy?: (OrderByInput | null)[] | null;
}

@ArgsType()
export class ListArgs extends SortedPagingArgs {
  @Field(() => FilterValuesInput, { nullable: true, description: 'Filter (see FilterValues).' })
  filterValues?: FilterValuesInput | null;

  @Field(() => [QueryResolverArgsInput], {
    nullable: 'itemsAndList',
    description: 'Reserved; ignored.',
  })
  resolverArgs?: (QueryResolverArgsInput | null)[] | null;
}

/** A list's arguments as the plain request services take; `totalCount` is counted only when selected. */
export function listRequest(
  args: SortedPagingArgs & Partial<Pick<ListArgs, 'filterValues'>>,
  info: GraphQLResolveInfo,
): ListRequest {
  return {
    first: args.first,
    after: args.after,
    last: args.last,
    before: args.before,
    orderBy: args.orderBy,
    filter: args.filterValues?.filterValuesString,
    withTotal: selects(info, 'totalCount'),
  };
}
