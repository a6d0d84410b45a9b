import type { GraphQLResolveInfo, SelectionNode } from 'graphql';
import type { Page } from '../common/pagination/keyset';
import type { Connection } from './models/connection.factory';

/** Whether the query selected a field directly under this one (e.g. `totalCount`), fragments included. */
export function selects(info: GraphQLResolveInfo, name: string): boolean {
  const visit = (selections: readonly SelectionNode[]): boolean =>
    selections.some((selection) => {
      if (selection.kind === 'Field') return selection.name.value === name;
      if (selection.kind === 'InlineFragment') return visit(selection.selectionSet.selections);
      const fragment = info.fragments[selection.name.value];
      return fragment ? visit(fragment.selectionSet.selections) : false;
    });
  return info.fieldNodes.some((node) => node.selectionSet && visit(node.selectionSet.selections));
}

/** A service's page as a Relay connection, each item presented as its GraphQL model. */
export function toConnection<T, M>(page: Page<T>, present: (item: T) => M): Connection<M> {
  const edges = page.items.map((item, i) => ({ node: present(item), cursor: page.cursors[i] }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: page.totalCount ?? null,
  };
}
