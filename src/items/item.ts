/** An item as the rest of the code sees it (a plain object). */
export interface Item {
  readonly _id: string;
  readonly desc: string;
  readonly item_category: string;
  readonly item_details?: Record<string, unknown>;
  readonly item_price: readonly ItemPrice[];
}

export interface ItemPrice {
  readonly amount: number;
  readonly discount_schema?: string;
  readonly valid_from?: Date;
  readonly valid_to?: Date;
}
