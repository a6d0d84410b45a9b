import { toGlobalId } from '../common/ids';
import { OrderItemModel, OrderModel } from './models/order.model';
import type { Order } from './order';
import type { JoinedLine } from './orders.service';

export function presentOrder(order: Order): OrderModel {
  return Object.assign(new OrderModel(), {
    order,
    id: toGlobalId('UserOrder', order._id),
    user_id: toGlobalId('User', order.user_id),
    payer_id: toGlobalId('User', order.payer_id),
    order_date: order.order_date,
  });
}

export function presentLine(line: JoinedLine): OrderItemModel {
  return Object.assign(new OrderItemModel(), {
    itemDbId: line.item_id,
    id: toGlobalId('OrderItem', line._id),
    item_id: toGlobalId('Item', line.item_id),
    desc: line.desc,
    item_category: line.item_category,
    quantity: line.quantity,
    amount: line.amount,
    item_details: JSON.stringify(line.item_details),
  });
}
