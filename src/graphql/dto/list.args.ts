import { ArgsType, Field, InputType, Int, registerEnumType } from '@nestjs/graphql';

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
export class OrderByInput {
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
export class FilterValuesInput {
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
export class QueryResolverArgsInput {
  @Field(() => String, { nullable: true, description: 'Reserved.' })
  param?: string | null;

  @Field(() => String, { nullable: true, description: 'Reserved.' })
  value?: string | null;
}

@ArgsType()
export class PagingArgs {
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
}

@ArgsType()
export class SortedPagingArgs extends PagingArgs {
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
