import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getConnectionToken } from '@nestjs/mongoose';
import { APP_CONFIG } from '../config/app-config';
import { DatabaseSupervisor } from '../database/database-supervisor';
import { AppMetrics } from '../metrics/app-metrics';
import { RateLimits } from './rate-limits';

const fakeRedis = new EventEmitter();
jest.mock('../common/redis', () => ({
  ...jest.requireActual('../common/redis'),
  connectRedis: () => fakeRedis,
}));

describe('RateLimits with Redis', () => {
  it('says "counted in Redis" when first ready, even after a failed first attempt, and "back" only after that', async () => {
    await Test.createTestingModule({
      providers: [
        RateLimits,
        { provide: getConnectionToken(), useValue: {} },
        { provide: DatabaseSupervisor, useValue: {} },
        { provide: AppMetrics, useValue: {} },
        { provide: APP_CONFIG, useValue: { redis: { url: 'redis://127.0.0.1:1' } } },
      ],
    }).compile();
    const said = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    // A busy start can time the first connection out before Redis answers.
    fakeRedis.emit('error', new Error('connect ETIMEDOUT'));
    fakeRedis.emit('ready');
    fakeRedis.emit('error', new Error('read ECONNRESET'));
    fakeRedis.emit('error', new Error('connect ECONNREFUSED'));
    fakeRedis.emit('ready');

    expect(said.mock.calls.map(([message]) => message)).toEqual([
      'Rate limits counted in Redis',
      'Redis for rate limits is back',
    ]);
    expect(warned.mock.calls.map(([message]) => message)).toEqual([
      'Redis for rate limits unreachable: connect ETIMEDOUT',
      'Redis for rate limits unreachable: read ECONNRESET',
    ]);
  });
});
