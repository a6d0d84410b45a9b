/**
 * The verify thread (verify-thread.ts): passport-jwt's Strategy with the
 * API's verification options, answering one job per message. The key is the
 * one the event loop's key provider chose, by number; the claim rules
 * jsonwebtoken does not enforce stay with the event loop's strategy.
 *
 * Loaded by path, never imported, and an ES module (.mts) that imports
 * packages only: so Node runs the TypeScript source itself under ts-jest
 * (type stripping) and the compiled verify-worker.mjs in dist/.
 */
import type { KeyObject } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { Strategy, type StrategyOptionsWithoutRequest } from 'passport-jwt';

interface VerifyJob {
  readonly id: number;
  readonly token: string;
  readonly keyNumber: number;
  /** Only with the first job of each key: the thread keeps it (verify-thread.ts says why). */
  readonly key?: KeyObject;
}

type KeyCallback = (error: null, key: KeyObject | undefined) => void;

const keys = new Map<number, KeyObject>();

const port = parentPort!;
const strategy = new Strategy(
  {
    ...(workerData as Omit<StrategyOptionsWithoutRequest, 'jwtFromRequest'>),
    jwtFromRequest: ((job: VerifyJob) => job.token) as never,
    secretOrKeyProvider: ((job: VerifyJob, _token: string, done: KeyCallback) =>
      done(null, keys.get(job.keyNumber))) as never,
  },
  (decoded: unknown, done: (error: null, decoded: unknown) => void) => done(null, decoded),
);

port.on('message', (job: VerifyJob) => {
  if (job.key) keys.set(job.keyNumber, job.key);
  // What passport itself does per request: a fresh object whose success and fail answer this job.
  const attempt = Object.create(strategy) as Strategy & Record<string, unknown>;
  attempt.success = (decoded: unknown) => port.postMessage({ id: job.id, decoded });
  attempt.fail = attempt.error = (reason: unknown) =>
    port.postMessage({ id: job.id, refusal: (reason as Error | undefined)?.message ?? 'refused' });
  attempt.authenticate(job as never);
});
