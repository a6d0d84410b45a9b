import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Jwt } from 'jsonwebtoken';
import type { StrategyOptionsWithoutRequest } from 'passport-jwt';

/** `auto` moves signature checks to the thread while many tokens miss the cache; `on` always; `off` never. */
export type VerifyThreadMode = 'auto' | 'on' | 'off';

/** What the thread's passport-jwt Strategy hands jsonwebtoken besides the token and the key. */
export type VerifyOptions = Omit<
  StrategyOptionsWithoutRequest,
  'jwtFromRequest' | 'secretOrKey' | 'secretOrKeyProvider'
>;

/** The thread's answer: the decoded token (header, payload, signature) or why jsonwebtoken refused it. */
export type ThreadVerdict = { readonly decoded: Jwt } | { readonly refusal: string };

interface PendingJob {
  readonly onVerdict: (verdict: ThreadVerdict) => void;
  /** The thread stopped before answering: the caller verifies on the event loop instead. */
  readonly onLost: () => void;
}

export interface VerifyThreadLimits {
  /**
   * In `auto`, the thread starts once this many tokens miss the cache within
   * one second (an ES256 check is about 100 µs, so 200 are 2% of a core): a
   * restart or a deploy, when every client's token is new to this process. A
   * lone sign-in never starts it, so a quiet server does not carry its memory.
   */
  readonly startAtMissesPerSecond: number;
  /** More jobs than this waiting, and the next miss is verified on the event loop: latency stays bounded. */
  readonly maxPending: number;
  /** A thread that had nothing to do for this long is stopped (its memory goes back). */
  readonly idleStopMs: number;
  /** After the thread died unexpectedly, the event loop verifies alone for this long before a new thread. */
  readonly restartAfterMs: number;
}

const LIMITS: VerifyThreadLimits = {
  startAtMissesPerSecond: 200,
  maxPending: 64,
  idleStopMs: 30_000,
  restartAfterMs: 60_000,
};

/**
 * jsonwebtoken's signature check on a second core. An ES256 verify is
 * OpenSSL work the event loop cannot share, and a request whose token misses
 * the verified-token cache spends more than half its CPU there
 * (docs/performance.md); here the event loop goes on serving while the
 * thread verifies. passport-jwt's own Strategy runs in the thread
 * (verify-worker.mts) with the options of the event loop's strategy.
 *
 * Every way the thread can fail falls back to the event loop: the queue is
 * full, the thread is starting after a crash, or it died with jobs in hand.
 */
export class VerifyThread implements OnApplicationShutdown {
  private readonly logger = new Logger('VerifyThread');
  private worker: Worker | undefined;
  private readonly pending = new Map<number, PendingJob>();
  private nextId = 0;
  private windowStartMs = 0;
  private missesInWindow = 0;
  private usedSinceIdleCheck = false;
  private idleCheck: NodeJS.Timeout | undefined;
  private notBeforeMs = 0;
  private closed = false;
  private answered = 0;
  /** A number per KeyObject, so each key crosses to a thread once (below). */
  private readonly keyNumbers = new WeakMap<KeyObject, number>();
  private keysNumbered = 0;
  private keysSentToWorker = new Set<number>();
  private readonly limits: VerifyThreadLimits;

  constructor(
    private readonly mode: VerifyThreadMode,
    private readonly options: VerifyOptions,
    limits: Partial<VerifyThreadLimits> = {},
  ) {
    this.limits = { ...LIMITS, ...limits };
  }

  /** Whether the next cache miss goes to the thread; starts it when the mode and the miss rate call for it. */
  takes(now = Date.now()): boolean {
    if (
      this.mode === 'off' ||
      this.closed ||
      this.pending.size >= this.limits.maxPending ||
      now < this.notBeforeMs
    )
      return false;
    if (this.worker) return true;
    if (this.mode === 'auto') {
      if (now - this.windowStartMs >= 1_000) {
        this.windowStartMs = now;
        this.missesInWindow = 0;
      }
      this.missesInWindow += 1;
      if (this.missesInWindow < this.limits.startAtMissesPerSecond) return false;
    }
    this.start();
    return true;
  }

  /** Verifies on the thread; call only after takes() said yes. */
  verify(
    token: string,
    key: KeyObject,
    onVerdict: PendingJob['onVerdict'],
    onLost: PendingJob['onLost'],
  ): void {
    const worker = this.worker;
    if (!worker) return onLost();
    const id = (this.nextId += 1);
    this.pending.set(id, { onVerdict, onLost });
    this.usedSinceIdleCheck = true;
    // A KeyObject sent with every token arrives as a new object each time, and
    // jsonwebtoken then reads its curve from OpenSSL again: 40 µs a token, measured
    // (docs/performance.md). So the thread keeps each key by number.
    let keyNumber = this.keyNumbers.get(key);
    if (keyNumber === undefined) this.keyNumbers.set(key, (keyNumber = this.keysNumbered++));
    if (this.keysSentToWorker.has(keyNumber)) worker.postMessage({ id, token, keyNumber });
    else {
      this.keysSentToWorker.add(keyNumber);
      worker.postMessage({ id, token, keyNumber, key });
    }
  }

  /** Whether a thread is running now. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Tokens the thread has verified or refused since start. */
  get verdicts(): number {
    return this.answered;
  }

  /** Stops the thread for good: a request still arriving is verified on the event loop. */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  private start(): void {
    // The TypeScript source under ts-jest (Node strips its types), the compiled module in dist/.
    const source = extname(__filename) === '.ts';
    const worker = new Worker(join(__dirname, `verify-worker.${source ? 'mts' : 'mjs'}`), {
      workerData: this.options,
    });
    worker.unref();
    worker.on('message', (answer: { id: number } & ThreadVerdict) => {
      const job = this.pending.get(answer.id);
      this.pending.delete(answer.id);
      this.answered += 1;
      job?.onVerdict(answer);
    });
    worker.on('error', (error) => this.logger.error(`verify thread failed: ${error.message}`));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      clearInterval(this.idleCheck);
      this.worker = undefined;
      this.notBeforeMs = Date.now() + this.limits.restartAfterMs;
      this.logger.warn(
        `verify thread exited (code ${code}); the event loop verifies tokens for ${this.limits.restartAfterMs / 1000} s`,
      );
      this.loseAllPending();
    });
    this.worker = worker;
    this.keysSentToWorker = new Set();
    this.logger.log(
      this.mode === 'auto'
        ? `verify thread started: ${this.missesInWindow} tokens missed the cache within a second`
        : 'verify thread started (AUTH_VERIFY_THREAD=on)',
    );
    this.usedSinceIdleCheck = true;
    this.idleCheck = setInterval(() => {
      if (this.usedSinceIdleCheck || this.pending.size > 0) this.usedSinceIdleCheck = false;
      else {
        this.logger.log(`verify thread stopped: idle for ${this.limits.idleStopMs / 1000} s`);
        void this.stop();
      }
    }, this.limits.idleStopMs).unref();
  }

  private async stop(): Promise<void> {
    clearInterval(this.idleCheck);
    const worker = this.worker;
    this.worker = undefined;
    this.loseAllPending();
    await worker?.terminate();
  }

  private loseAllPending(): void {
    const lost = [...this.pending.values()];
    this.pending.clear();
    for (const job of lost) job.onLost();
  }
}
