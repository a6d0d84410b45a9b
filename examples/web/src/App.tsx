import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useState, type FormEvent } from 'react';
import type { MyOrdersQuery, OrderSummaryFragment } from './gql/graphql';
import {
  CreateOrderMutation,
  ItemsQuery,
  MyOrdersQuery as MyOrders,
  OrderCreatedSubscription,
} from './operations';
import { isUnauthenticated, Problems } from './problems';
import type { Session } from './session';
import type { Settings } from './settings';

type Viewer = NonNullable<MyOrdersQuery['viewer']>;

export function App({ settings, session }: { settings: Settings; session: Session }) {
  const client = useApolloClient();
  const orders = useQuery(MyOrders, {
    variables: { first: settings.pageSize },
    notifyOnNetworkStatusChange: true,
  });
  const viewer = orders.data?.viewer ?? undefined;
  const signedOut = !viewer && isUnauthenticated(orders.error);
  const [liveError, setLiveError] = useState<unknown>();

  // Live orders while signed in: each one created anywhere (another tab, device or app) goes to
  // the top of the list without a reload.
  const viewerId = viewer?.id;
  const { subscribeToMore } = orders;
  useEffect(() => {
    if (!viewerId) return;
    setLiveError(undefined);
    return subscribeToMore({
      document: OrderCreatedSubscription,
      updateQuery: (_, { previousData, complete, subscriptionData }) =>
        complete ? withLiveOrder(previousData, subscriptionData.data.orderCreated) : undefined,
      onError: setLiveError,
    });
  }, [viewerId, subscribeToMore]);

  const signOut = async () => {
    await session.signOut();
    await client.clearStore();
    await orders.refetch().catch(() => undefined);
  };

  return (
    <main>
      <header>
        <h1>Orders</h1>
        {viewer ? (
          <span>
            Signed in as <strong id="username">{viewer.username}</strong>{' '}
            <button onClick={() => void signOut()}>Sign out</button>
          </span>
        ) : (
          <button onClick={() => session.signIn()}>Sign in</button>
        )}
      </header>
      {signedOut && <p id="signed-out">You are not signed in.</p>}
      <Problems error={orders.error} />
      {viewer && (
        <>
          <Problems error={liveError} />
          <OrderList
            viewer={viewer}
            loading={orders.loading}
            more={(after) => orders.fetchMore({ variables: { after } })}
          />
          <CreateOrder viewerId={viewer.id} />
        </>
      )}
    </main>
  );
}

/**
 * The list with a live order first, counted in the total; unchanged when the order is already
 * there (this page created it and reloaded the list) or is not the viewer's own purchase (the
 * event also comes for orders the viewer pays for).
 */
function withLiveOrder(previous: MyOrdersQuery, order: OrderSummaryFragment): MyOrdersQuery | void {
  const connection = previous.viewer?.orders;
  if (!previous.viewer || !connection || order.user_id !== previous.viewer.id) return;
  if (connection.edges.some(({ node }) => node.id === order.id)) return;
  return {
    ...previous,
    viewer: {
      ...previous.viewer,
      orders: {
        ...connection,
        totalCount: (connection.totalCount ?? 0) + 1,
        // No cursor: paging goes on from the last edge's.
        edges: [{ __typename: 'UserOrderEdge', cursor: '', node: order }, ...connection.edges],
      },
    },
  };
}

function OrderList({
  viewer,
  loading,
  more,
}: {
  viewer: Viewer;
  loading: boolean;
  more: (after: string) => Promise<unknown>;
}) {
  const [error, setError] = useState<unknown>();
  const connection = viewer.orders;
  const edges = connection?.edges ?? [];
  const endCursor = connection?.pageInfo.endCursor;
  return (
    <section>
      <h2>
        Your orders{' '}
        <span className="muted">
          (<span id="total">{connection?.totalCount ?? 0}</span> in all)
        </span>
      </h2>
      <ol className="orders">
        {edges.map(({ node }) => (
          <li key={node.id} className="order">
            <span className="order-date">{node.order_date ?? 'no date'}</span>:{' '}
            {(node.order_items?.edges ?? [])
              .map(({ node: line }) => `${line.quantity} × ${line.desc ?? 'unknown item'}`)
              .join(', ')}
          </li>
        ))}
      </ol>
      {connection?.pageInfo.hasNextPage && endCursor && (
        <button
          disabled={loading}
          onClick={() => more(endCursor).then(() => setError(undefined), setError)}
        >
          More
        </button>
      )}
      <Problems error={error} />
    </section>
  );
}

function CreateOrder({ viewerId }: { viewerId: string }) {
  const items = useQuery(ItemsQuery);
  const [createOrder, { data, error, loading }] = useMutation(CreateOrderMutation, {
    refetchQueries: ['MyOrders'],
    awaitRefetchQueries: true,
  });
  const outcome = data?.createOrder?.completionObj;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const orderDate = String(form.get('order_date') ?? '').trim();
    const details = String(form.get('item_details') ?? '').trim();
    createOrder({
      variables: {
        input: {
          clientMutationId: crypto.randomUUID(),
          order_data: {
            user_id: viewerId,
            order_date: orderDate || undefined,
            order_items: [
              {
                item_id: String(form.get('item_id')),
                quantity: Number(form.get('quantity')),
                item_details: details || undefined,
              },
            ],
          },
        },
      },
    }).catch(() => undefined); // shown from `error` below
  };

  return (
    <section>
      <h2>New order</h2>
      <Problems error={items.error} />
      <form onSubmit={submit}>
        <label htmlFor="item_id">Item</label>
        <select id="item_id" name="item_id">
          {(items.data?.listItems?.edges ?? []).map(({ node }) => (
            <option key={node.id} value={node.id}>
              {node.desc} ({node.item_category})
            </option>
          ))}
        </select>
        <label htmlFor="quantity">Quantity</label>
        <input id="quantity" name="quantity" type="number" step="any" defaultValue="1" />
        <label htmlFor="order_date">Order date (optional)</label>
        <input id="order_date" name="order_date" placeholder="2026-01-31T12:00:00Z" />
        <label htmlFor="item_details">Details, JSON (optional)</label>
        <input id="item_details" name="item_details" placeholder='{"color": "red"}' />
        <button type="submit" disabled={loading || !items.data}>
          Create order
        </button>
      </form>
      <Problems error={error} />
      {outcome &&
        (outcome.code === '0' ? (
          <p className="outcome" role="status">
            <code>{outcome.msg_id}</code> {outcome.msg}
          </p>
        ) : (
          <div className="problem" role="alert">
            <code className="code">{outcome.msg_id}</code> {outcome.msg}
          </div>
        ))}
    </section>
  );
}
