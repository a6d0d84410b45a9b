import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/**
 * The import rules of docs/architecture.md, read from the code itself: which
 * top-level folder of src/ imports which. Files at the top of src/ are "app".
 */
const SRC = __dirname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

const folderOf = (file: string): string => {
  const parts = relative(SRC, file).split('/');
  return parts.length > 1 ? parts[0] : 'app';
};

interface Import {
  readonly from: string;
  readonly to: string;
  readonly file: string;
  readonly specifier: string;
}

const imports: Import[] = sourceFiles(SRC).flatMap((file) =>
  // `from '…'`, side-effect `import '…'` and `require('…')` alike.
  [...readFileSync(file, 'utf8').matchAll(/(?:from|import|require\()\s*'(\.[^']+)'/g)].map(
    (match) => ({
      from: folderOf(file),
      to: folderOf(normalize(join(dirname(file), match[1]))),
      file: relative(SRC, file),
      specifier: match[1],
    }),
  ),
);
const packageImports = (file: string) =>
  [...readFileSync(join(SRC, file), 'utf8').matchAll(/from '([^.][^']*)'/g)].map((m) => m[1]);

const crossFolder = imports.filter((i) => i.from !== i.to);
const edges = new Map<string, Set<string>>();
for (const { from, to } of crossFolder) edges.set(from, (edges.get(from) ?? new Set()).add(to));

/** Every folder cycle, as the path that closes it. */
function cycles(): string[][] {
  const found: string[][] = [];
  const visit = (node: string, path: string[]) => {
    for (const next of edges.get(node) ?? []) {
      if (next === path[0]) found.push([...path, next]);
      else if (!path.includes(next) && next > path[0]) visit(next, [...path, next]);
    }
  };
  for (const start of edges.keys()) visit(start, [start]);
  return found;
}

const violations = (from: readonly string[], forbidden: readonly string[]) =>
  crossFolder
    .filter((i) => from.includes(i.from) && forbidden.includes(i.to))
    .map((i) => `${i.file} imports ${i.specifier}`);

const FEATURES = ['auth', 'users', 'items', 'orders'];
const ABOVE_FEATURES = ['api', 'seed', 'maintenance', 'app'];

describe('architecture: imports flow one way', () => {
  it('has no folder that imports a folder importing it back', () => {
    expect(cycles().map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('keeps cross-cutting code (common, config, database, logging, metrics, rate-limits) below the features', () => {
    expect(
      violations(
        ['common', 'config', 'database', 'logging', 'metrics', 'rate-limits'],
        [...FEATURES, 'graphql', 'graphiql', 'health', ...ABOVE_FEATURES],
      ),
    ).toEqual([]);
  });

  it('keeps the database, logs and configuration below metrics and rate limits', () => {
    expect(
      violations(['common', 'config', 'database', 'logging'], ['metrics', 'rate-limits']),
    ).toEqual([]);
    expect(violations(['metrics'], ['rate-limits'])).toEqual([]);
  });

  it('keeps the GraphQL infrastructure free of features', () => {
    expect(violations(['graphql'], [...FEATURES, ...ABOVE_FEATURES])).toEqual([]);
  });

  it('lets auth use users, never the reverse; users and items know no other feature', () => {
    expect(violations(['users', 'items'], ['auth', 'orders'])).toEqual([]);
    expect(violations(['items'], ['users'])).toEqual([]);
  });

  it('keeps services free of GraphQL', () => {
    const services = sourceFiles(SRC)
      .map((file) => relative(SRC, file))
      .filter((file) => file.endsWith('.service.ts'));
    expect(services.length).toBeGreaterThan(0);
    const offending = services.flatMap((file) => [
      ...packageImports(file)
        .filter((name) => name === 'graphql' || name.startsWith('@nestjs/graphql'))
        .map((name) => `${file} imports ${name}`),
      ...imports
        .filter((i) => i.file === file && i.to === 'graphql')
        .map((i) => `${file} imports ${i.specifier}`),
    ]);
    expect(offending).toEqual([]);
  });
});
