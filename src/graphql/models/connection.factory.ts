import type { Type } from '@nestjs/common';
import { Field, Int, ObjectType } from '@nestjs/graphql';
import { PageInfo } from './page-info.model';

export interface Connection<T> {
  pageInfo: PageInfo;
  edges: { node: T; cursor: string }[];
  /** Counted only when the query selects it. */
  totalCount?: number | null;
}

/**
 * The Relay connection and edge types for a node type: `<Name>Connection`
 * and `<Name>Edge`. One factory for every list in the API.
 */
export function ConnectionType<T>(
  nodeType: Type<T>,
  name: string,
  plural: string,
): Type<Connection<T>> {
  @ObjectType(`${name}Edge`, {
    description: `One ${name} in a page of ${plural}, with its cursor.`,
  })
  class EdgeType {
    @Field(() => nodeType, { description: `The ${name}.` })
    node!: T;

    @Field(() => String, {
      description: 'Opaque cursor: pass it as `after` or `before` to continue from here.',
    })
    cursor!: string;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${plural}.` })
  class ConnectionClass implements Connection<T> {
    @Field(() => PageInfo, { description: 'Paging information for this page.' })
    pageInfo!: PageInfo;

    @Field(() => [EdgeType], { description: `The ${plural} on this page, in order.` })
    edges!: EdgeType[];

    @Field(() => Int, {
      nullable: true,
      description: 'How many match in all (ignoring paging); counted only when asked for.',
    })
    totalCount?: number | null;
  }
  return ConnectionClass;
}
