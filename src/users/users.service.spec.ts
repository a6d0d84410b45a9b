import { getModelToken } from '@nestjs/mongoose';
import { Test } from '@nestjs/testing';
import { Error as MongooseError } from 'mongoose';
import { APP_CONFIG, loadConfig } from '../config/app-config';
import { UserDocument } from './user.model';
import { UsersRepository } from './users.repository';
import { UsersService, visibleTo } from './users.service';

/** The slice of a Mongoose model UsersRepository touches, answering from an in-memory list. */
function fakeUserModel() {
  const stored: Array<Record<string, unknown>> = [];
  const query = (result: unknown) => ({
    lean: () => ({ exec: async () => result }),
  });
  return {
    stored,
    insertFailure: undefined as unknown,
    create: jest.fn(async function (
      this: { insertFailure: unknown },
      doc: Record<string, unknown>,
    ) {
      const failure = model.insertFailure;
      model.insertFailure = undefined;
      if (failure) throw failure;
      stored.push(doc);
      return { toObject: () => ({ ...doc }) };
    }),
    findOne: jest.fn((filter: Record<string, unknown>) =>
      query(
        stored.find((doc) => Object.entries(filter).every(([key, value]) => doc[key] === value)),
      ),
    ),
    findById: jest.fn((id: string) => query(stored.find((doc) => doc._id === id))),
  };
}
let model: ReturnType<typeof fakeUserModel>;

const duplicateKey = () => Object.assign(new Error('E11000 duplicate key'), { code: 11000 });

describe('UsersService.create', () => {
  let service: UsersService;

  beforeEach(async () => {
    model = fakeUserModel();
    const moduleRef = await Test.createTestingModule({
      providers: [
        UsersService,
        UsersRepository,
        { provide: APP_CONFIG, useValue: loadConfig({ NODE_ENV: 'test' }, { dotenv: false }) },
        { provide: getModelToken(UserDocument.name), useValue: model },
      ],
    }).compile();
    moduleRef.useLogger(false);
    service = moduleRef.get(UsersService);
  });

  const jane = { username: 'jane01', primary_email: 'JD@Example.com', full_name: 'Jane Doe' };

  it('createAs: admins only; anyone else is FORBIDDEN and nothing is stored', async () => {
    const user = { user_id: 'u1', locale: 'en', roles: ['user'] } as const;
    await expect(service.createAs(user, jane)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(model.stored).toEqual([]);
    const admin = { ...user, roles: ['admin'] } as const;
    expect(await service.createAs(admin, jane)).toMatchObject({ ok: true, msgId: '001' });
    expect(await service.createAs(admin, undefined)).toMatchObject({ ok: false });
  });

  it('001: creates the user with a new id, a lower-cased email and the defaults', async () => {
    const outcome = await service.create(jane);
    expect(outcome).toMatchObject({ ok: true, msgId: '001', msg: 'User created' });
    expect(model.stored).toEqual([
      expect.objectContaining({
        _id: expect.stringMatching(/^[0-9A-Za-z]{12}$/),
        username: 'jane01',
        primary_email: 'jd@example.com',
        primary_locale: 'en',
        roles: ['user'],
      }),
    ]);
  });

  it('DU01: the username is taken (the unique index settles a race)', async () => {
    model.stored.push({ _id: 'existing0001', username: 'jane01', primary_email: 'other@x.io' });
    model.insertFailure = duplicateKey();
    expect(await service.create(jane)).toMatchObject({
      ok: false,
      msgId: 'DU01',
      msg: 'Username already exist',
    });
  });

  it('DU02: the email is taken', async () => {
    model.stored.push({
      _id: 'existing0001',
      username: 'someone',
      primary_email: 'jd@example.com',
    });
    model.insertFailure = duplicateKey();
    expect(await service.create(jane)).toMatchObject({ ok: false, msgId: 'DU02' });
  });

  it('retries with another id when only the random id collided', async () => {
    model.create.mockImplementationOnce(async (doc: Record<string, unknown>) => {
      model.stored.push({ _id: doc._id, username: 'someone', primary_email: 'some@one.io' });
      throw duplicateKey();
    });
    expect(await service.create(jane)).toMatchObject({ ok: true, msgId: '001' });
    expect(model.create).toHaveBeenCalledTimes(2);
  });

  it.each([
    [{ ...jane, username: 'x' }, /^username must be/],
    [{ ...jane, username: 'jane 01' }, /^username must be/],
    [{ ...jane, primary_email: 'not-an-address' }, /^primary_email must be a valid email address/],
    [{ ...jane, primary_email: `${'a'.repeat(250)}@x.io` }, /^primary_email/],
    [{ ...jane, full_name: 'n'.repeat(201) }, /^full_name must be at most 200 characters/],
    [{ ...jane, primary_locale: 'english please' }, /^primary_locale must be a locale/],
  ])('DU03: refuses %o, saying which field', async (input, message) => {
    const outcome = await service.create(input);
    expect(outcome).toMatchObject({ ok: false, msgId: 'DU03' });
    expect(outcome.msg).toMatch(message);
    expect(model.create).not.toHaveBeenCalled();
  });

  it('DU03: a schema validation error names the field, not the database', async () => {
    const invalid = new MongooseError.ValidationError();
    invalid.addError(
      'primary_email',
      new MongooseError.ValidatorError({
        message: 'primary_email is not valid',
        path: 'primary_email',
      }),
    );
    model.insertFailure = invalid;
    expect(await service.create(jane)).toMatchObject({
      ok: false,
      msgId: 'DU03',
      msg: 'primary_email is not valid',
    });
  });

  it('EU01: any other failure, without its message', async () => {
    model.insertFailure = new Error('connection reset by the storage engine');
    expect(await service.create(jane)).toEqual(
      expect.objectContaining({ ok: false, msgId: 'EU01', msg: 'Error creating User' }),
    );
  });

  it('lets a database outage through, for the 503 SERVICE_UNAVAILABLE every entry point gives', async () => {
    const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:27017'), {
      name: 'MongoNetworkError',
    });
    model.insertFailure = outage;
    await expect(service.create(jane)).rejects.toBe(outage);
  });
});

describe("visibleTo: who sees a user's email", () => {
  const user = {
    _id: 'janeDoe00001',
    username: 'jane01',
    primary_email: 'jd@example.com',
    primary_locale: 'en',
    roles: ['user'] as const,
  };
  const viewer = (user_id: string, roles: ('user' | 'admin')[] = ['user']) => ({
    user_id,
    locale: 'en',
    roles,
  });

  it('shows it to the user themselves and to an admin', () => {
    expect(visibleTo(viewer('janeDoe00001'), user).primary_email).toBe('jd@example.com');
    expect(visibleTo(viewer('admin0000001', ['admin']), user).primary_email).toBe('jd@example.com');
  });

  it('hides it from anyone else, and nothing more', () => {
    expect(visibleTo(viewer('johnPublic01'), user)).toEqual({ ...user, primary_email: null });
  });
});
