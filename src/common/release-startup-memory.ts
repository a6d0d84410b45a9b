import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** What one release did, for the start-up log line. */
export interface StartupMemoryRelease {
  readonly rssBeforeBytes: number;
  readonly rssAfterBytes: number;
  readonly durationMs: number;
}

type V8Gc = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/**
 * One compacting collection once the application is built, before it listens. Loading
 * 1,500 modules and building the schema, the models and the DI graph touches about 25 MB
 * of heap pages that hold nothing afterwards; V8 keeps them in its page pool, and a
 * process that then only waits mostly keeps them, because V8's memory reducer is driven
 * by allocation. Only a last-resort collection releases the pool (a regular
 * forced one frees the objects but not the pages): measured in docs/performance.md
 * ("Memory"), about 150 → 127 MB idle for ~100 ms at start. Off by default
 * (RELEASE_STARTUP_MEMORY): requests after it cost 8 to 40 µs more, still after a minute of
 * load (V8 sizes the heap by a forced collection's speed from then on; same page), and
 * containers are sized by their peak, which it does not change.
 *
 * V8 offers it through its gc extension alone. As Jest's leak detector does, the
 * extension is turned on for one new context, its function taken, and turned off again,
 * so no global `gc()` is exposed to dependencies; an existing `--expose-gc` is reused.
 */
export function releaseStartupMemory(): StartupMemoryRelease {
  const started = performance.now();
  const rssBeforeBytes = process.memoryUsage.rss();
  v8Gc()({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return {
    rssBeforeBytes,
    rssAfterBytes: process.memoryUsage.rss(),
    durationMs: performance.now() - started,
  };
}

function v8Gc(): V8Gc {
  const exposed = (globalThis as { gc?: V8Gc }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as V8Gc;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
