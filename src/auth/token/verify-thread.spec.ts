import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { generatePemKeyPair } from '../keys/key-material';
import { VerifyThread, type ThreadVerdict, type VerifyThreadLimits } from './verify-thread';

const OPTIONS = {
  algorithms: ['ES256' as const],
  issuer: 'user-order-auth',
  audience: 'user-order-api',
  jsonWebTokenOptions: { complete: true, clockTolerance: 30 },
};

describe('VerifyThread', () => {
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  let thread: VerifyThread;

  const tokenFor = (claims: object, key = privateKey) =>
    sign({ sub: 'u1', iss: OPTIONS.issuer, aud: OPTIONS.audience, ...claims }, key, {
      algorithm: 'ES256',
      expiresIn: 60,
    });
  const build = (mode: 'auto' | 'on' | 'off', limits: Partial<VerifyThreadLimits> = {}) =>
    (thread = new VerifyThread(mode, OPTIONS, limits));
  /** The verdict, or 'lost' when the thread stopped before answering. */
  const verdictOf = (token: string, key = publicKey) =>
    new Promise<ThreadVerdict | 'lost'>((resolve) =>
      thread.verify(token, key, resolve, () => resolve('lost')),
    );

  /** What a crash looks like from outside: the worker exits, whatever it had in hand. */
  const killThread = () =>
    (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();

  beforeAll(() => {
    const pem = generatePemKeyPair('ES256');
    privateKey = createPrivateKey(pem.privateKey);
    publicKey = createPublicKey(pem.publicKey);
  });
  afterEach(() => thread.onApplicationShutdown());

  it('hands back the decoded token of a good signature, and jsonwebtoken’s refusal of a bad one', async () => {
    expect(build('on').takes()).toBe(true);
    const verdict = await verdictOf(tokenFor({ locale: 'fr' }));
    expect(verdict).toEqual({
      id: expect.any(Number),
      decoded: {
        header: { alg: 'ES256', typ: 'JWT' },
        payload: expect.objectContaining({ sub: 'u1', locale: 'fr' }),
        signature: expect.any(String),
      },
    });
    const forged = tokenFor({}, createPrivateKey(generatePemKeyPair('ES256').privateKey));
    expect(await verdictOf(forged)).toMatchObject({ refusal: 'invalid signature' });
    expect(await verdictOf(tokenFor({ iss: 'someone-else' }))).toMatchObject({
      refusal: expect.stringMatching(/jwt issuer invalid/),
    });
    expect(thread.verdicts).toBe(3);
  });

  it('checks each token with the key it is handed, also after a rotation and a restart', async () => {
    const other = generatePemKeyPair('ES256');
    const otherPublic = createPublicKey(other.publicKey);
    const otherToken = tokenFor({}, createPrivateKey(other.privateKey));
    build('on', { restartAfterMs: 0 });
    expect(thread.takes()).toBe(true);
    expect(await verdictOf(tokenFor({}), publicKey)).toHaveProperty('decoded');
    expect(await verdictOf(otherToken, otherPublic)).toHaveProperty('decoded');
    expect(await verdictOf(otherToken, publicKey)).toMatchObject({
      refusal: 'invalid signature',
    });
    // A new thread knows no key yet: each is sent to it again.
    await killThread();
    expect(thread.takes()).toBe(true);
    expect(await verdictOf(otherToken, otherPublic)).toHaveProperty('decoded');
    expect(await verdictOf(tokenFor({}), otherPublic)).toMatchObject({
      refusal: 'invalid signature',
    });
  });

  it('in auto, starts only once enough tokens miss within one second', () => {
    build('auto', { startAtMissesPerSecond: 3 });
    expect([thread.takes(0), thread.takes(10), thread.running]).toEqual([false, false, false]);
    // A new second starts the count again.
    expect([thread.takes(1_500), thread.takes(1_600), thread.running]).toEqual([
      false,
      false,
      false,
    ]);
    expect(thread.takes(1_700)).toBe(true);
    expect(thread.running).toBe(true);
  });

  it('never takes a token when off', () => {
    build('off', { startAtMissesPerSecond: 1 });
    expect([thread.takes(), thread.takes(), thread.running]).toEqual([false, false, false]);
  });

  it('leaves tokens to the event loop while the queue is full', async () => {
    build('on', { maxPending: 1 });
    expect(thread.takes()).toBe(true);
    const answer = verdictOf(tokenFor({}));
    expect(thread.takes()).toBe(false);
    await answer;
    expect(thread.takes()).toBe(true);
  });

  it('hands jobs back when the thread dies, and lets the event loop verify alone for a while', async () => {
    build('on', { restartAfterMs: 60_000 });
    expect(thread.takes()).toBe(true);
    const answer = verdictOf(tokenFor({}));
    await killThread();
    expect(await answer).toBe('lost');
    expect(thread.running).toBe(false);
    expect(thread.takes()).toBe(false);
    expect(thread.takes(Date.now() + 61_000)).toBe(true);
  });

  it('starts no thread once the application has shut down', async () => {
    build('on');
    expect(thread.takes()).toBe(true);
    await thread.onApplicationShutdown();
    expect([thread.running, thread.takes(), thread.running]).toEqual([false, false, false]);
  });

  it('stops a thread that has had nothing to do', async () => {
    build('on', { idleStopMs: 50 });
    expect(thread.takes()).toBe(true);
    await verdictOf(tokenFor({}));
    const deadline = Date.now() + 10_000;
    while (thread.running && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(thread.running).toBe(false);
  });
});
