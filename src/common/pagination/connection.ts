import type { GraphQLResolveInfo } from 'graphql';
import type { Connection } from '../../graphql/models/connection.factory';
import type { Page } from './keyset';

/** Whether the query selected a field directly under this one (e.g. `totalCount`), fragments included. */
export function selects(info: GraphQLResolveInfo | undefined, name: string): boolean {
  if (!info) return false;
  const visit = (selections: readonly import('graphql').SelectionNode[]): boolean =>
    selections.some((selection) => {
      if (selection.kind === 'Field') return selection.name.value === name;
      if (selection.kind === 'InlineFragment') return visit(selection.selectionSet.selections);
      const fragment = info.fragments[selection.name.value];
      return fragment ? visit(fragment.selectionSet.selections) : false;
    });
  return info.fieldNodes.some((node) => node.selectionSet && visit(node.selectionSet.selections));
}

/** A page turned into a Relay connection, each item presented for the viewer. */
export async function toConnection<T, M>(
  page: Page<T>,
  present: (item: T) => M,
  totalCount?: () => Promise<number>,
): Promise<Connection<M>> {
  const edges = page.items.map((item, i) => ({ node: present(item), cursor: page.cursors[i] }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: totalCount ? await totalCount() : null,
  };
}
