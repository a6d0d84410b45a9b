import type { Types } from 'mongoose';

export interface OrderLine {
  readonly _id: Types.ObjectId;
  readonly item_id: string;
  readonly quantity: number;
  readonly amount: number;
  readonly item_details?: Record<string, unknown>;
}

/** An order as the rest of the code sees it (a plain object). */
export interface Order {
  readonly _id: string;
  readonly user_id: string;
  readonly payer_id: string;
  readonly order_date?: Date;
  readonly order_items: readonly OrderLine[];
  readonly created_at?: Date;
}

export type NewOrder = Omit<Order, 'order_items' | 'created_at'> & {
  readonly order_items: readonly Omit<OrderLine, '_id'>[];
};
