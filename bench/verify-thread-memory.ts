/**
 * `npm run bench:verify-thread -- [--seconds 8] [--waiting 50]`: what the
 * verify thread (AUTH_VERIFY_THREAD) holds while it works, on its own, in this
 * process: RSS before it starts, at peak while it checks ES256 tokens with
 * `--waiting` of them always queued, the thread's own V8 heap, and RSS once it
 * has stopped. The server's peak under S3 adds what the event loop keeps while
 * requests wait (docs/performance.md, Memory). A program that reports numbers,
 * not a test.
 */
import { generateKeyPairSync } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { VerifyThread } from '../src/auth/token/verify-thread';
import { numberFlag } from './support/cli';

const SECONDS = numberFlag('seconds', 8);
const WAITING = numberFlag('waiting', 50);
const ISSUER = 'user-order-auth';
const AUDIENCE = 'user-order-api';

const rssMB = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const toMB = (bytes: number) => Math.round(bytes / 2 ** 20);

async function main(): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const token = sign({ sub: 'u1', iss: ISSUER, aud: AUDIENCE, roles: ['user'] }, privateKey, {
    algorithm: 'ES256',
    expiresIn: 600,
  });
  const thread = new VerifyThread('on', {
    algorithms: ['ES256'],
    issuer: ISSUER,
    audience: AUDIENCE,
    jsonWebTokenOptions: { complete: true, clockTolerance: 30 },
  });
  process.once('SIGINT', () => void thread.onApplicationShutdown().then(() => process.exit(130)));
  const before = rssMB();
  console.log(`RSS before the thread starts: ${before} MB`);
  console.log(`verifying for ${SECONDS} s with ${WAITING} tokens waiting...`);
  thread.takes();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMB())), 100);
  const endAt = Date.now() + SECONDS * 1000;
  let verified = 0;
  await Promise.all(
    Array.from({ length: WAITING }, async () => {
      while (Date.now() < endAt) {
        await new Promise<void>((settled) =>
          thread.verify(
            token,
            publicKey,
            () => settled(),
            () => settled(),
          ),
        );
        verified += 1;
      }
    }),
  );
  clearInterval(sampler);
  const mainHeap = process.memoryUsage();
  const heap = await (
    thread as unknown as { worker: { getHeapStatistics(): Promise<Record<string, number>> } }
  ).worker.getHeapStatistics();
  await thread.onApplicationShutdown();
  console.log(
    [
      `verifications: ${verified} (${Math.round(verified / SECONDS)}/s)`,
      `peak RSS while verifying: ${peak} MB (+${peak - before})`,
      `the verify thread's V8 heap at the end: ${toMB(heap.total_heap_size)} MB, ${toMB(heap.used_heap_size)} MB used`,
      `the event loop's V8 heap at the end: ${toMB(mainHeap.heapTotal)} MB, ${toMB(mainHeap.heapUsed)} MB used`,
      `RSS after the thread stopped: ${rssMB()} MB`,
    ].join('\n'),
  );
}

void main();
