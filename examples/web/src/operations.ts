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
            id
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
        }
      }
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
