import { createHash } from 'node:crypto';
import { Types } from 'mongoose';

/** A stable ObjectId for line `index` of order `orderId`, so seeding twice changes nothing. */
export function stableLineId(orderId: string, index: number): Types.ObjectId {
  return new Types.ObjectId(
    createHash('sha256').update(`${orderId}:${index}`).digest('hex').slice(0, 24),
  );
}
