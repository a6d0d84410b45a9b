/**
 * Live orders in the cluster test: graphql-ws subscribers connected through
 * the balancer, which reconnect (through it, so to another replica) when a
 * replica closes their socket with 1001, and a writer creating orders through
 * the balancer meanwhile. The report compares what each subscriber received
 * with what was published while it was connected; events published while it
 * was reconnecting are counted as missed, since no replay is promised
 * (docs/api.md, Subscriptions).
 */
import { createClient, type Client } from 'graphql-ws';
import { setTimeout as sleep } from 'node:timers/promises';
import { webSocketWithHeaders } from '../support/ws-client';

const SUBSCRIPTION = 'subscription ClusterOrders { orderCreated { id } }';
const CREATE_ORDER = JSON.stringify({
  query: `mutation ClusterOrder($user: ID!, $item: ID!) {
    createOrder(input: { order_data: { user_id: $user, order_items: [{ item_id: $item, quantity: 1 }] } }) { order_id }
  }`,
  variables: {
    user: Buffer.from('User:1E4Yo11Y3r9a').toString('base64'),
    item: Buffer.from('Item:1HEOx6FnC7cM').toString('base64'),
  },
});
/**
 * A subscription is running once its `subscribe` message has reached the replica: taken as this
 * long after `connection_ack`, or from the first event it received if that came sooner.
 */
const SUBSCRIBE_MS = 500;
/** An event published this close to the socket's 1001 may still be on its way through the closing replica. */
const CLOSING_MS = 500;

/** An order the writer created: when its createOrder was sent and when it was answered. */
interface Created {
  readonly id: string;
  readonly sentAt: number;
  readonly answeredAt: number;
}

interface Subscriber {
  readonly client: Client;
  readonly connected: () => boolean;
  readonly acknowledged: number[];
  readonly closes: { at: number; code: number }[];
  /** Order id → every time it arrived (more than one is a duplicate). */
  readonly received: Map<string, number[]>;
  readonly errors: unknown[];
}

export interface LiveOrdersReport {
  readonly created: number;
  readonly failedCreates: number;
  /** (subscriber, order) pairs published while that subscriber was connected. */
  readonly due: number;
  readonly delivered: number;
  readonly lost: number;
  readonly duplicates: number;
  /** Events for orders the writer did not create, and subscription errors. */
  readonly unexpected: number;
  readonly closedGoingAway: number;
  readonly closedOtherwise: number;
  readonly reconnects: number;
  /** Subscribers whose socket a replica closed at least once. */
  readonly subscribersMoved: number;
  readonly connectedAtEnd: number;
  readonly missedWhileReconnecting: number;
  /** Milliseconds from createOrder sent to the event's arrival, over every delivery. */
  readonly latency: { p50: number; p99: number; max: number };
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

function subscriber(url: string, cookie: string): Subscriber {
  let open = false;
  const state = {
    acknowledged: [] as number[],
    closes: [] as { at: number; code: number }[],
    received: new Map<string, number[]>(),
    errors: [] as unknown[],
  };
  const client = createClient({
    url,
    webSocketImpl: webSocketWithHeaders({ cookie }),
    lazy: false,
    retryAttempts: 20,
    retryWait: () => sleep(100 + Math.random() * 200),
    on: {
      connected: () => {
        open = true;
        state.acknowledged.push(Date.now());
      },
      closed: (event) => {
        open = false;
        state.closes.push({ at: Date.now(), code: (event as { code: number }).code });
      },
    },
    onNonLazyError: (error) => state.errors.push(error),
  });
  client.subscribe<{ orderCreated: { id: string } }>(
    { query: SUBSCRIPTION },
    {
      next: ({ data, errors }) => {
        if (errors || !data) return void state.errors.push(errors);
        const times = state.received.get(data.orderCreated.id) ?? [];
        times.push(Date.now());
        state.received.set(data.orderCreated.id, times);
      },
      error: (error) => state.errors.push(error),
      complete: () => undefined,
    },
  );
  return { client, connected: () => open, ...state };
}

/** Creates an order through the balancer about every `everyMs` until stopped. */
function orderWriter(baseUrl: string, cookie: string, everyMs: number) {
  const created: Created[] = [];
  let failed = 0;
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      const sentAt = Date.now();
      try {
        const response = await fetch(`${baseUrl}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie },
          body: CREATE_ORDER,
        });
        const body = (await response.json()) as { data?: { createOrder?: { order_id?: string } } };
        const id = body.data?.createOrder?.order_id;
        if (response.status === 200 && id) created.push({ id, sentAt, answeredAt: Date.now() });
        else failed += 1;
      } catch {
        failed += 1;
      }
      await sleep(Math.max(0, everyMs - (Date.now() - sentAt)));
    }
  })();
  return {
    created,
    failed: () => failed,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

/** The orders published while `subscriber` was connected: from each acknowledgement to the next close. */
function dueTo(subscriber: Subscriber, created: readonly Created[], endedAt: number): Set<string> {
  const due = new Set<string>();
  const sentAt = new Map(created.map((order) => [order.id, order.sentAt]));
  for (const ack of subscriber.acknowledged) {
    const close = subscriber.closes.find((c) => c.at >= ack)?.at;
    const end = close === undefined ? endedAt : close - CLOSING_MS;
    let start = ack + SUBSCRIBE_MS;
    for (const [id, times] of subscriber.received)
      if (times.some((t) => t >= ack && t <= (close ?? Number.POSITIVE_INFINITY)))
        start = Math.min(start, sentAt.get(id) ?? start);
    for (const order of created)
      if (order.sentAt >= start && order.answeredAt <= end) due.add(order.id);
  }
  return due;
}

/**
 * `count` subscribers for the signed-in user (`cookie`) through the balancer, connected when
 * this resolves; `startWriting()` creates an order about every `everyMs`; `finish()` stops it,
 * lets the last events arrive, closes the subscribers and reports.
 */
export async function startLiveOrders(options: {
  baseUrl: string;
  /** Where orders are created: `baseUrl` unless given. */
  writeUrl?: string;
  cookie: string;
  count: number;
  everyMs: number;
}) {
  const url = `${options.baseUrl.replace(/^http/, 'ws')}/graphql`;
  const subscribers = Array.from({ length: options.count }, () => subscriber(url, options.cookie));
  const started = Date.now();
  while (subscribers.some((s) => !s.connected())) {
    if (Date.now() - started > 10_000)
      throw new Error(
        `subscribers not connected after 10 s: ${JSON.stringify(subscribers.map((s) => s.errors))}`,
      );
    await sleep(50);
  }
  await sleep(SUBSCRIBE_MS);
  let writer: ReturnType<typeof orderWriter> | undefined;

  return {
    startWriting: () =>
      void (writer = orderWriter(
        options.writeUrl ?? options.baseUrl,
        options.cookie,
        options.everyMs,
      )),
    finish: async (): Promise<LiveOrdersReport> => {
      await writer?.stop();
      const writtenUntil = Date.now();
      // The last events' way through Redis and the replicas.
      await sleep(1_000);
      const orders = writer?.created ?? [];
      const created = new Map(orders.map((order) => [order.id, order.sentAt]));
      const report = {
        created: orders.length,
        failedCreates: writer?.failed() ?? 0,
        due: 0,
        delivered: 0,
        duplicates: 0,
        unexpected: 0,
        missedWhileReconnecting: 0,
      };
      const latencies: number[] = [];
      for (const s of subscribers) {
        const due = dueTo(s, orders, writtenUntil);
        report.due += due.size;
        for (const id of due) if (s.received.has(id)) report.delivered += 1;
        for (const order of orders)
          if (!due.has(order.id) && !s.received.has(order.id)) report.missedWhileReconnecting += 1;
        for (const [id, times] of s.received) {
          const sentAt = created.get(id);
          if (sentAt === undefined) report.unexpected += 1;
          else latencies.push(times[0] - sentAt);
          report.duplicates += times.length - 1;
        }
        report.unexpected += s.errors.length;
      }
      latencies.sort((a, b) => a - b);
      const closes = subscribers.flatMap((s) => s.closes);
      const connectedAtEnd = subscribers.filter((s) => s.connected()).length;
      await Promise.all(subscribers.map((s) => s.client.dispose()));
      return {
        ...report,
        lost: report.due - report.delivered,
        closedGoingAway: closes.filter((c) => c.code === 1001).length,
        closedOtherwise: closes.filter((c) => c.code !== 1001).length,
        reconnects: subscribers.reduce((sum, s) => sum + s.acknowledged.length - 1, 0),
        subscribersMoved: subscribers.filter((s) => s.closes.length > 0).length,
        connectedAtEnd,
        latency: {
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          max: latencies.at(-1) ?? Number.NaN,
        },
      };
    },
  };
}
