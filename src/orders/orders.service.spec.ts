import { getModelToken } from '@nestjs/mongoose';
import { Test } from '@nestjs/testing';
import { ApiError } from '../common/errors';
import type { Viewer } from '../common/viewer';
import { APP_CONFIG, loadConfig } from '../config/app-config';
import { ItemDocument } from '../items/item.model';
import { ItemsRepository } from '../items/items.repository';
import { UserDocument } from '../users/user.model';
import { UsersRepository } from '../users/users.repository';
import { OrderDocument } from './order.model';
import { OrdersRepository } from './orders.repository';
import { OrderEvents, OrdersService, type OrderRequest } from './orders.service';

const JANE: Viewer = { user_id: 'Jane00000001', locale: 'en', roles: ['user'] };
const JOHN_ID = 'John00000001';
const ADMIN: Viewer = { user_id: 'Admin0000001', locale: 'en', roles: ['user', 'admin'] };
const TEA = 'Item0000Tea1';

/** A model answering `find(idsFilter(ids))` from fixed documents. */
function readOnlyModel(docs: Array<Record<string, unknown>>) {
  return {
    find: (filter: { _id: string | { $in: string[] } }) => {
      const ids = typeof filter._id === 'string' ? [filter._id] : filter._id.$in;
      return {
        lean: () => ({ exec: async () => docs.filter((doc) => ids.includes(doc._id as string)) }),
      };
    },
  };
}

describe('OrdersService', () => {
  let service: OrdersService;
  const inserted: Array<Record<string, unknown>> = [];
  const orderModel = {
    create: jest.fn(async (doc: Record<string, unknown>) => {
      inserted.push(doc);
      return { toObject: () => doc };
    }),
  };

  const events = { created: jest.fn(async () => undefined) };

  beforeEach(async () => {
    inserted.length = 0;
    orderModel.create.mockClear();
    events.created.mockClear();
    const moduleRef = await Test.createTestingModule({
      providers: [
        OrdersService,
        OrdersRepository,
        UsersRepository,
        ItemsRepository,
        { provide: OrderEvents, useValue: events },
        { provide: APP_CONFIG, useValue: loadConfig({ NODE_ENV: 'test' }, { dotenv: false }) },
        { provide: getModelToken(OrderDocument.name), useValue: orderModel },
        {
          provide: getModelToken(UserDocument.name),
          useValue: readOnlyModel([
            { _id: JANE.user_id, username: 'jane01' },
            { _id: JOHN_ID, username: 'john01' },
          ]),
        },
        {
          provide: getModelToken(ItemDocument.name),
          useValue: readOnlyModel([
            { _id: TEA, desc: 'Tea', item_price: [{ amount: 2.5, valid_from: new Date(0) }] },
          ]),
        },
      ],
    }).compile();
    moduleRef.useLogger(false);
    service = moduleRef.get(OrdersService);
  });

  const order = (overrides: Partial<OrderRequest> = {}): OrderRequest => ({
    user_id: JANE.user_id,
    lines: [{ item_id: TEA, quantity: 2 }],
    ...overrides,
  });
  const line = (overrides: Partial<OrderRequest['lines'][number]>) =>
    order({ lines: [{ item_id: TEA, quantity: 2, ...overrides }] });

  describe('create', () => {
    it('002: stores the order, payer defaulting to the buyer and amount to the price', async () => {
      const outcome = await service.create(JANE, order());
      expect(outcome).toMatchObject({ ok: true, msgId: '002', msg: 'Order created' });
      expect(inserted).toEqual([
        expect.objectContaining({
          _id: outcome.orderId,
          user_id: JANE.user_id,
          payer_id: JANE.user_id,
          order_items: [{ item_id: TEA, quantity: 2, amount: 5, item_details: {} }],
        }),
      ]);
    });

    it('publishes the stored order once the insert is acknowledged', async () => {
      const outcome = await service.create(JANE, order());
      expect(events.created).toHaveBeenCalledTimes(1);
      expect(events.created).toHaveBeenCalledWith(
        expect.objectContaining({ _id: outcome.orderId, user_id: JANE.user_id }),
      );
    });

    it.each([
      ['not JSON', '{oops', /^Item details parse failed for item Item0000Tea1: /],
      ['a JSON array', '[1,2]', /not a JSON object$/],
      ['JSON null', 'null', /not a JSON object$/],
    ])('DO01: item_details %s', async (_case, details, message) => {
      const outcome = await service.create(JANE, line({ item_details: details }));
      expect(outcome).toMatchObject({ ok: false, msgId: 'DO01' });
      expect(outcome.msg).toMatch(message);
    });

    it('DO02: an unknown buyer or payer, by id', async () => {
      expect(await service.create(ADMIN, order({ user_id: 'Nobody000001' }))).toMatchObject({
        msgId: 'DO02',
        msg: 'User Nobody000001 not found',
      });
      expect(await service.create(JANE, order({ payer_id: 'Nobody000002' }))).toMatchObject({
        msgId: 'DO02',
        msg: 'Payer Nobody000002 not found',
      });
    });

    it('DO03: an unknown item, by id', async () => {
      expect(await service.create(JANE, line({ item_id: 'NoSuchItem01' }))).toMatchObject({
        msgId: 'DO03',
        msg: 'Item NoSuchItem01 not found',
      });
    });

    it.each([
      ['no lines', order({ lines: [] }), /at least one line/],
      ['quantity 0', line({ quantity: 0 }), /must be greater than 0/],
      ['a negative quantity', line({ quantity: -1 }), /must be greater than 0/],
      ['quantity NaN', line({ quantity: Number.NaN }), /must be greater than 0/],
      ['a negative amount', line({ amount: -0.01 }), /must not be negative/],
      ['an infinite amount', line({ amount: Infinity }), /must not be negative/],
    ])('DO04: %s', async (_case, request, message) => {
      const outcome = await service.create(JANE, request);
      expect(outcome).toMatchObject({ ok: false, msgId: 'DO04' });
      expect(outcome.msg).toMatch(message);
    });

    it('writes nothing for a refused order', async () => {
      await service.create(JANE, line({ quantity: 0 }));
      await service.create(JANE, line({ item_id: 'NoSuchItem01' }));
      expect(orderModel.create).not.toHaveBeenCalled();
      expect(events.created).not.toHaveBeenCalled();
    });

    it('EO01: an unexpected failure, without its message', async () => {
      orderModel.create.mockRejectedValueOnce(new Error('disk full on shard 3'));
      expect(await service.create(JANE, order())).toEqual({
        ok: false,
        msgId: 'EO01',
        msg: 'Error creating Order',
      });
      expect(events.created).not.toHaveBeenCalled();
    });
  });

  describe('authorization', () => {
    const forbidden = (run: () => unknown) => {
      let thrown: unknown;
      try {
        run();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ApiError);
      expect((thrown as ApiError).code).toBe('FORBIDDEN');
    };

    it('creates orders for the viewer only; an admin for anyone', async () => {
      await expect(service.create(JANE, order({ user_id: JOHN_ID }))).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      expect(await service.create(ADMIN, order({ user_id: JOHN_ID }))).toMatchObject({ ok: true });
      expect(inserted).toHaveLength(1);
    });

    it("shows a user's orders to that user and to admins, FORBIDDEN to others", () => {
      expect(() => service.assertCanSeeOrdersOf(JANE, JANE.user_id)).not.toThrow();
      expect(() => service.assertCanSeeOrdersOf(ADMIN, JOHN_ID)).not.toThrow();
      forbidden(() => service.assertCanSeeOrdersOf(JANE, JOHN_ID));
    });
  });
});
