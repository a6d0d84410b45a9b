/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) of a server under load and says
 * where its busy time went: self time by package, and inclusive time under
 * the frames worth watching (the request-log hook, pino, the log
 * destination, Fastify's hook runner, the rate limiter, garbage collection).
 */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Frames whose inclusive time is reported; a sample counts once per watch even if a frame recurs. */
const WATCHES: readonly {
  readonly name: string;
  readonly matches: (f: ProfileNode['callFrame']) => boolean;
}[] = [
  {
    name: 'the request line (onResponse hook `logRequestLine`, all it calls)',
    matches: (f) => f.functionName === 'logRequestLine',
  },
  {
    name: 'pino (serializers, formatters, JSON, write)',
    matches: (f) => f.url.includes('/node_modules/pino/'),
  },
  {
    name: 'sonic-boom (the asynchronous log destination, its write callbacks)',
    matches: (f) => f.url.includes('/node_modules/sonic-boom/'),
  },
  {
    name: 'log writes completing (fs.write callbacks: sonic-boom writes the next batch)',
    matches: (f) => f.functionName === 'wrapper' && f.url === 'node:fs',
  },
  {
    name: 'the request context hook (`onRequestContext`: id header, AsyncLocalStorage)',
    matches: (f) => f.functionName === 'onRequestContext',
  },
  {
    name: 'AsyncLocalStorage and async hooks',
    matches: (f) => /async_hooks|async_local_storage|async_context_frame/.test(f.url),
  },
  {
    name: "Fastify's hook runner",
    matches: (f) => f.url.includes('/node_modules/fastify/lib/hooks.js'),
  },
  {
    name: 'rate-limiter-flexible',
    matches: (f) => f.url.includes('/node_modules/rate-limiter-flexible/'),
  },
  {
    name: 'passport (authenticate, the strategy object per call)',
    matches: (f) => f.url.includes('/node_modules/passport/'),
  },
  {
    name: 'jsonwebtoken, jws, jwa (decode, checks, verify)',
    matches: (f) => /\/node_modules\/(jsonwebtoken|jws|jwa)\//.test(f.url),
  },
  {
    name: 'the signature check itself (node:crypto Verify, OpenSSL)',
    matches: (f) => f.url === 'node:internal/crypto/sig',
  },
  {
    name: 'promise jobs and ticks (node:internal/process/task_queues)',
    matches: (f) => f.url === 'node:internal/process/task_queues',
  },
  { name: 'this service (dist/)', matches: (f) => /\/dist\/(?!.*node_modules)/.test(f.url) },
  { name: 'garbage collection', matches: (f) => f.functionName === '(garbage collector)' },
];

function packageOf(frame: ProfileNode['callFrame']): string {
  if (frame.functionName.startsWith('(')) return frame.functionName;
  const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(frame.url);
  if (match) return match[1];
  if (frame.url.startsWith('node:')) return 'Node.js itself';
  if (frame.url.includes('/dist/')) return 'this service (dist/)';
  return frame.url === '' ? '(native)' : frame.url;
}

/**
 * A markdown summary of the last `windowSeconds` of the profile (the load),
 * per request when `requests` is given.
 */
export function summarizeProfile(
  profile: CpuProfile,
  options: { title: string; windowSeconds: number; requests?: number },
): string {
  const { title, windowSeconds, requests } = options;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  // Sample times, from the start; keep the window before the last 0.3 s (shutdown).
  const times: number[] = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) times.push((t += delta));
  const end = profile.endTime - 300_000;
  const begin = end - windowSeconds * 1_000_000;
  const selfByPackage = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    if (times[i] < begin || times[i] > end) continue;
    const weight = profile.timeDeltas[i + 1] ?? 0;
    const leaf = byId.get(profile.samples[i])!;
    if (leaf.callFrame.functionName === '(idle)') {
      idle += weight;
      continue;
    }
    busy += weight;
    const pkg = packageOf(leaf.callFrame);
    selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + weight);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      for (const watch of WATCHES)
        if (!seen.has(watch.name) && watch.matches(frame)) {
          seen.add(watch.name);
          inclusive.set(watch.name, (inclusive.get(watch.name) ?? 0) + weight);
        }
    }
  }
  const share = (us: number) => `${((us / busy) * 100).toFixed(1)}%`;
  const perRequest = (us: number) => (requests ? `${(us / requests).toFixed(1)}` : '–');
  const packages = [...selfByPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 14);
  return [
    `### CPU profile of ${title} under load (the last ${windowSeconds} s, \`node --cpu-prof\`)`,
    '',
    `Busy ${(busy / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms${requests ? `, ${requests} requests` : ''}.`,
    '',
    '| self time by package | share of busy time | µs per request |',
    '|---|---|---|',
    ...packages.map(([name, us]) => `| ${name} | ${share(us)} | ${perRequest(us)} |`),
    '',
    '| inclusive time under | share of busy time | µs per request |',
    '|---|---|---|',
    ...WATCHES.map((watch) => {
      const us = inclusive.get(watch.name) ?? 0;
      return `| ${watch.name} | ${share(us)} | ${perRequest(us)} |`;
    }),
  ].join('\n');
}
