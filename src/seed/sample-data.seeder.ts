import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Types } from 'mongoose';
import { createHash } from 'node:crypto';
import { CredentialsRepository } from '../auth/credentials/credentials.repository';
import { PasswordHasher } from '../auth/credentials/password-hasher';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DATABASE_SERVER, type DatabaseServer } from '../database/database-server';
import { DatabaseSupervisor } from '../database/database-supervisor';
import { UsersRepository } from '../users/users.repository';
import type { Item } from '../items/item.model';
import { ItemsRepository } from '../items/items.repository';
import { OrdersRepository } from '../orders/orders.repository';
import { readSampleData } from './sample-data';

interface SampleOrder {
  _id: string;
  user_id: string;
  payer_id?: string;
  order_date?: string | Date;
  order_items: {
    item_id: string;
    quantity: number;
    amount: number;
    item_details?: Record<string, unknown>;
  }[];
}

function toDate(value: string | Date | undefined): Date | undefined {
  return value === undefined ? undefined : new Date(value);
}

/** A stable ObjectId for line `index` of order `orderId`, so seeding twice changes nothing. */
function stableLineId(orderId: string, index: number): Types.ObjectId {
  return new Types.ObjectId(
    createHash('sha256').update(`${orderId}:${index}`).digest('hex').slice(0, 24),
  );
}

/**
 * Loads data/sample-data.yaml idempotently (upsert by `_id`), users with
 * their development passwords. Refused in production. Also runs by itself on
 * the first start of an empty embedded database.
 */
@Injectable()
export class SampleDataSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('Seed');

  constructor(
    private readonly users: UsersRepository,
    private readonly items: ItemsRepository,
    private readonly orders: OrdersRepository,
    private readonly credentials: CredentialsRepository,
    private readonly hasher: PasswordHasher,
    private readonly supervisor: DatabaseSupervisor,
    @Inject(DATABASE_SERVER) private readonly server: DatabaseServer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.server.embedded || !this.config.database.seedSampleData || this.config.isProduction)
      return;
    void this.supervisor
      .whenConnected()
      .then(async () => {
        if ((await this.users.count()) > 0) return;
        const report = await this.seed();
        this.logger.log(
          `Empty embedded database: loaded the sample data (${report.users} users, ${report.items} items, ${report.orders} orders)`,
        );
      })
      .catch((error: Error) =>
        this.logger.warn(`Loading the sample data failed: ${error.message}`),
      );
  }

  async seed(): Promise<{ users: number; items: number; orders: number }> {
    if (this.config.isProduction)
      throw new Error('Refusing to seed development passwords in production');
    const data = readSampleData();
    for (const user of data.users) {
      const { dev_password, ...profile } = user;
      await this.users.upsert(profile);
      const existing = await this.credentials.findById(user._id);
      // Idempotent: keep the hash (argon2 salts differ each time) when the password still matches.
      if (!existing || !(await this.hasher.verify(existing.password_hash, dev_password))) {
        await this.credentials.upsert({
          _id: user._id,
          username: user.username,
          password_hash: await this.hasher.hash(dev_password),
        });
      }
    }
    for (const item of data.items as unknown as Item[]) {
      await this.items.upsert({
        ...item,
        item_price: item.item_price.map((p) => ({
          ...p,
          valid_from: toDate(p.valid_from),
          valid_to: toDate(p.valid_to),
        })),
      });
    }
    for (const order of data.orders as unknown as SampleOrder[]) {
      await this.orders.upsert({
        _id: order._id,
        user_id: order.user_id,
        payer_id: order.payer_id ?? order.user_id,
        order_date: toDate(order.order_date),
        order_items: order.order_items.map((line, i) => ({
          ...line,
          _id: stableLineId(order._id, i),
          item_details: line.item_details ?? {},
        })),
      });
    }
    return { users: data.users.length, items: data.items.length, orders: data.orders.length };
  }
}
