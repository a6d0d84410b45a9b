import { graphql } from './gql';

/** The viewer and one page of their orders, newest first. */
export const MyOrdersQuery = graphql(`
  query MyOrders($first: Int!, $after: String) {
    viewer {
      id
      username
      full_name
      orders(first: $first, after: $after, orderBy: [{ field: "order_date", direction: DESC }]) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          cursor
          node {
            ...OrderSummary
          }
        }
      }
    }
  }
`);

/** What the list shows of an order, from a page or from a live event alike. */
export const OrderSummaryFragment = graphql(`
  fragment OrderSummary on UserOrder {
    id
    user_id
    order_date
    order_items(first: 20) {
      edges {
        node {
          id
          desc
          quantity
          amount
        }
      }
    }
  }
`);

/** Each order of the viewer's created from now on, wherever it was created (over graphql-ws). */
export const OrderCreatedSubscription = graphql(`
  subscription OrderCreated {
    orderCreated {
      ...OrderSummary
    }
  }
`);

/** What can be ordered. */
export const ItemsQuery = graphql(`
  query Items {
    listItems(first: 50, orderBy: [{ field: "desc" }]) {
      edges {
        node {
          id
          desc
          item_category
        }
      }
    }
  }
`);

export const CreateOrderMutation = graphql(`
  mutation CreateOrder($input: CreateOrderInput!) {
    createOrder(input: $input) {
      order_id
      clientMutationId
      completionObj {
        code
        msg
        msg_id
      }
    }
  }
`);
