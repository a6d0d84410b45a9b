import { loadConfig } from '../config/app-config';
import { isDatabaseUnavailable } from './database-errors';
import { connectionOptions, DEFAULT_MAX_POOL_SIZE, maxPoolSizeOf } from './database-supervisor';

describe('the connection pool size', () => {
  it.each([
    ['mongodb://db:27017/app?maxPoolSize=7', 7],
    ['mongodb://a:1,b:2/app?replicaSet=rs0&maxpoolsize=12&w=majority', 12],
    ['mongodb+srv://u:p@cluster.example.net/app?retryWrites=true', DEFAULT_MAX_POOL_SIZE],
    ['mongodb://db:27017/app', DEFAULT_MAX_POOL_SIZE],
  ])('%s → %i', (uri, size) => {
    expect(maxPoolSizeOf(uri)).toBe(size);
  });

  it('is what the driver is given, and indexes are built outside production only', () => {
    const development = loadConfig({ NODE_ENV: 'development' }, { dotenv: false });
    const production = loadConfig(
      {
        NODE_ENV: 'production',
        MONGODB_URI: 'mongodb://db.example.com:27017/app',
        CORS_ORIGINS: 'https://app.example.com',
        JWT_PRIV_KEY_B64: Buffer.from('-----BEGIN PRIVATE KEY-----\n').toString('base64'),
      },
      { dotenv: false },
    );
    expect(connectionOptions(development, 'mongodb://db/app?maxPoolSize=3')).toMatchObject({
      maxPoolSize: 3,
      autoIndex: true,
      autoCreate: true,
    });
    expect(connectionOptions(production, 'mongodb://db/app')).toMatchObject({
      maxPoolSize: 50,
      autoIndex: false,
      autoCreate: false,
    });
  });
});

describe('a query stopped at its maxTimeMS', () => {
  it('counts as the database being unavailable (SERVICE_UNAVAILABLE), other server errors do not', () => {
    const expired = Object.assign(new Error('operation exceeded time limit'), {
      name: 'MongoServerError',
      code: 50,
    });
    const duplicate = Object.assign(new Error('E11000 duplicate key'), {
      name: 'MongoServerError',
      code: 11000,
    });
    expect(isDatabaseUnavailable(expired)).toBe(true);
    expect(isDatabaseUnavailable(duplicate)).toBe(false);
  });
});
