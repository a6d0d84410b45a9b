import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, relative } from 'node:path';

/**
 * The import rules of docs/architecture.md, read from the code itself. Every
 * top-level folder of src/ is classified by what it contains, so a new folder
 * is checked the day it appears:
 *
 * - feature: owns a collection (a Mongoose schema, `SchemaFactory.createForClass`);
 * - composition root: the files at the top of src/ ("app"), and any other
 *   folder that assembles two or more features (api, seed);
 * - cross-cutting: every other folder (common, config, database, graphql, health, ...).
 */
export type FolderKind = 'feature' | 'composition root' | 'cross-cutting';

const APP = 'app';
/** The layers every endpoint builds on, bottom to top (docs/architecture.md). */
const INFRASTRUCTURE = ['common', 'config', 'database', 'logging', 'metrics', 'rate-limits'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

interface Import {
  readonly from: string;
  readonly to: string;
  readonly file: string;
  readonly specifier: string;
}

export interface Architecture {
  kindOf(folder: string): FolderKind;
  /** Every broken rule, as `<rule>: <file> imports <specifier>`. */
  violations(): string[];
}

export function readArchitecture(src: string): Architecture {
  const files = sourceFiles(src);
  const folderOf = (file: string): string => {
    const parts = relative(src, file).split('/');
    // `'../migrations'` names a folder (its index.ts), not a file at the top of src/.
    return parts.length > 1 ||
      statSync(join(src, parts[0]), { throwIfNoEntry: false })?.isDirectory()
      ? parts[0]
      : APP;
  };
  const text = new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));
  const imports: Import[] = files.flatMap((file) =>
    // `from '…'`, side-effect `import '…'` and `require('…')` alike.
    [...text.get(file)!.matchAll(/(?:from|import|require\()\s*'(\.[^']+)'/g)].map((match) => ({
      from: folderOf(file),
      to: folderOf(normalize(join(dirname(file), match[1]))),
      file: relative(src, file),
      specifier: match[1],
    })),
  );
  const crossFolder = imports.filter((i) => i.from !== i.to);
  const folders = [...new Set(files.map(folderOf))];

  const features = new Set(
    folders.filter((folder) =>
      files.some(
        (file) =>
          folderOf(file) === folder && /SchemaFactory\.createForClass\(/.test(text.get(file)!),
      ),
    ),
  );
  const featuresImportedBy = (folder: string) =>
    new Set(crossFolder.filter((i) => i.from === folder && features.has(i.to)).map((i) => i.to));
  const kindOf = (folder: string): FolderKind =>
    features.has(folder)
      ? 'feature'
      : folder === APP || featuresImportedBy(folder).size >= 2
        ? 'composition root'
        : 'cross-cutting';

  const broken = (rule: string, found: Import[]) =>
    found.map((i) => `${rule}: ${i.file} imports ${i.specifier}`);

  /** Every folder cycle, as the path that closes it. */
  const cycles = (): string[] => {
    const edges = new Map<string, Set<string>>();
    for (const { from, to } of crossFolder) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    const found: string[] = [];
    const visit = (node: string, path: string[]) => {
      for (const next of edges.get(node) ?? []) {
        if (next === path[0]) found.push([...path, next].join(' → '));
        else if (!path.includes(next) && next > path[0]) visit(next, [...path, next]);
      }
    };
    for (const start of edges.keys()) visit(start, [start]);
    return found.map((cycle) => `no folder imports a folder that imports it back: ${cycle}`);
  };

  const graphqlPackage = /from '(graphql|@nestjs\/graphql[^']*)'/g;
  const services = files.filter((file) => file.endsWith('.service.ts'));

  return {
    kindOf,
    violations: () => [
      ...cycles(),
      ...broken(
        'cross-cutting code imports no feature',
        crossFolder.filter((i) => kindOf(i.from) === 'cross-cutting' && kindOf(i.to) === 'feature'),
      ),
      ...broken(
        'only the top of src/ imports a composition root',
        crossFolder.filter((i) => kindOf(i.to) === 'composition root' && i.from !== APP),
      ),
      ...broken(
        'config imports nothing of the project, common nothing but config',
        crossFolder.filter(
          (i) => i.from === 'config' || (i.from === 'common' && i.to !== 'config'),
        ),
      ),
      ...broken(
        'the database and logs sit below metrics, and metrics below rate limits',
        crossFolder.filter(
          (i) =>
            (['database', 'logging'].includes(i.from) &&
              ['metrics', 'rate-limits'].includes(i.to)) ||
            (i.from === 'metrics' && i.to === 'rate-limits'),
        ),
      ),
      ...broken(
        'the shared infrastructure imports no endpoint (graphql, graphiql, health)',
        crossFolder.filter(
          (i) =>
            INFRASTRUCTURE.includes(i.from) && ['graphql', 'graphiql', 'health'].includes(i.to),
        ),
      ),
      ...services.flatMap((file) => [
        ...[...text.get(file)!.matchAll(graphqlPackage)].map(
          (m) => `services know nothing of GraphQL: ${relative(src, file)} imports ${m[1]}`,
        ),
        ...broken(
          'services know nothing of GraphQL',
          imports.filter((i) => i.file === relative(src, file) && i.to === 'graphql'),
        ),
      ]),
    ],
  };
}

describe('architecture: imports flow one way', () => {
  const architecture = readArchitecture(__dirname);

  it('breaks none of its rules', () => {
    expect(architecture.violations()).toEqual([]);
  });

  it('finds the features, the composition roots and the cross-cutting folders by what they contain', () => {
    expect(['auth', 'users', 'items', 'orders'].map(architecture.kindOf)).toEqual(
      Array(4).fill('feature'),
    );
    expect([APP, 'api', 'seed', 'maintenance'].map(architecture.kindOf)).toEqual(
      Array(4).fill('composition root'),
    );
    const crossCutting = [
      'common',
      'config',
      'database',
      'graphql',
      'graphiql',
      'health',
      'logging',
      'metrics',
      'migrations',
      'rate-limits',
    ];
    expect(crossCutting.map(architecture.kindOf)).toEqual(
      Array(crossCutting.length).fill('cross-cutting'),
    );
  });

  describe('on a copy of src/ with a feature folder written after this test', () => {
    let copy: string;
    // A name no real folder has: the copy already holds every feature of today.
    const feature = `late-feature-${randomBytes(3).toString('hex')}`;

    beforeAll(() => {
      copy = mkdtempSync(join(tmpdir(), 'architecture-'));
      cpSync(__dirname, copy, { recursive: true, filter: (path) => !path.endsWith('.spec.ts') });
      mkdirSync(join(copy, feature));
      writeFileSync(
        join(copy, feature, 'review.model.ts'),
        [
          "import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';",
          '@Schema() export class Review { @Prop() rating!: number; }',
          'export const ReviewSchema = SchemaFactory.createForClass(Review);',
        ].join('\n'),
      );
      writeFileSync(
        join(copy, feature, 'reviews.service.ts'),
        "import { Review } from './review.model';\nexport class ReviewsService { last?: Review; }\n",
      );
    });
    afterAll(() => rmSync(copy, { recursive: true, force: true }));

    it('gives the new folder the feature rules', () => {
      expect(readArchitecture(copy).kindOf(feature)).toBe('feature');
      expect(readArchitecture(copy).violations()).toEqual([]);
    });

    it('fails, naming the rule, when health/ imports it', () => {
      const controller = join(copy, 'health', 'health.controller.ts');
      const original = readFileSync(controller, 'utf8');
      writeFileSync(controller, `import '../${feature}/reviews.service';\n${original}`);
      try {
        expect(readArchitecture(copy).violations()).toEqual([
          `cross-cutting code imports no feature: health/health.controller.ts imports ../${feature}/reviews.service`,
        ]);
      } finally {
        writeFileSync(controller, original);
      }
    });

    it('fails when common/ imports anything of the project but config', () => {
      const events = join(copy, 'common', 'events', 'event-bus.ts');
      const original = readFileSync(events, 'utf8');
      writeFileSync(events, `import '../../database/database-errors';\n${original}`);
      try {
        expect(readArchitecture(copy).violations()).toEqual([
          'config imports nothing of the project, common nothing but config: common/events/event-bus.ts imports ../../database/database-errors',
        ]);
      } finally {
        writeFileSync(events, original);
      }
    });

    it('fails when the new feature imports a composition root or GraphQL from its service', () => {
      const service = join(copy, feature, 'reviews.service.ts');
      const original = readFileSync(service, 'utf8');
      writeFileSync(
        service,
        `import '../api/graphql-api.module';\nimport { Int } from '@nestjs/graphql';\n${original}`,
      );
      try {
        expect(readArchitecture(copy).violations()).toEqual([
          `only the top of src/ imports a composition root: ${feature}/reviews.service.ts imports ../api/graphql-api.module`,
          `services know nothing of GraphQL: ${feature}/reviews.service.ts imports @nestjs/graphql`,
        ]);
      } finally {
        writeFileSync(service, original);
      }
    });
  });
});
