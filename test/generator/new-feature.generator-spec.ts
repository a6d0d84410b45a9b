import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');
/** Not copied: installed, built or written by runs. */
const SKIPPED = new Set([
  'node_modules',
  '.git',
  'dist',
  'dist-bench',
  '.data',
  'test-artifacts',
  'coverage',
]);
// Two compilations and a Jest run of a whole copy, on a busy 2-core machine.
const GENERATED_RUN_MS = 8 * 60_000;

/**
 * `npm run new:feature` into a temporary copy of the repository: a feature as
 * generated, and the reviews trial (test/fixtures/reviews-trial.patch) on top of
 * another, compile and pass their tests.
 */
describe('npm run new:feature', () => {
  let copy: string;
  const inCopy = (command: string, args: string[], env: Record<string, string> = {}) =>
    run(command, args, {
      cwd: copy,
      env: { ...process.env, TEST_SUMMARY_FILE: '', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
  const generate = (name?: string) =>
    inCopy(process.execPath, ['scripts/new-feature.mjs', ...(name ? [name] : [])]).then(
      (result) => ({ code: 0, ...result }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), 'new-feature-'));
    cpSync(ROOT, copy, {
      recursive: true,
      filter: (path) => !SKIPPED.has(relative(ROOT, path).split('/')[0]),
    });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  });
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  // First, so its ids are the trial's (003, DR01...): ids are taken in the order features are added.
  it('takes the reviews trial (docs/architecture.md) on top of its output, touching only files it wrote', async () => {
    const { stdout } = await generate('reviews');
    const written = stdout
      .split('\n')
      .filter((line) => line.startsWith('  '))
      .map((line) => line.trim());
    const patch = join(ROOT, 'test', 'fixtures', 'reviews-trial.patch');
    const touched = [...readFileSync(patch, 'utf8').matchAll(/^\+\+\+ b\/(\S+)$/gm)].map(
      (m) => m[1],
    );
    expect(touched.filter((file) => !written.includes(file))).toEqual([]);
    await inCopy('git', ['apply', patch]);
  });

  it('writes a mounted feature folder of seven files, its unit spec and its e2e file', async () => {
    const { code, stdout } = await generate('gift-cards');
    expect(code).toBe(0);
    for (const file of [
      'src/gift-cards/gift-card.model.ts',
      'src/gift-cards/gift-card.inputs.ts',
      'src/gift-cards/gift-cards.repository.ts',
      'src/gift-cards/gift-cards.service.ts',
      'src/gift-cards/gift-cards.resolver.ts',
      'src/gift-cards/gift-cards.loaders.ts',
      'src/gift-cards/gift-cards.module.ts',
      'src/gift-cards/gift-cards.service.spec.ts',
      'test/gift-cards.e2e-spec.ts',
    ])
      expect([file, existsSync(join(copy, file))]).toEqual([file, true]);
    expect(readFileSync(join(copy, 'src/api/features.ts'), 'utf8')).toMatch(
      /import \{ GiftCardsGraphQLModule \} from '\.\.\/gift-cards\/gift-cards\.module';[\s\S]*FEATURE_MODULES = \[[^\]]*GiftCardsGraphQLModule/,
    );
    expect(readFileSync(join(copy, 'docs/api.md'), 'utf8')).toMatch(
      /\| createGiftCard +\| created +\| 0 +\| 004 +\| Gift card created +\|/,
    );
    expect(stdout).toMatch(/Next: npm run schema/);
  });

  it('refuses the same name twice, and a bad name, in one line each', async () => {
    for (const [name, message] of [
      [
        'gift-cards',
        'new:feature: src/gift-cards/ exists already: pick another name, or delete the folder to generate it again',
      ],
      ['Gift_Cards', expect.stringMatching(/^new:feature: "Gift_Cards" is not a feature name: /)],
      ['gift-card', expect.stringMatching(/^new:feature: "gift-card" is not a plural/)],
      [undefined, expect.stringMatching(/^new:feature: usage: npm run new:feature -- <name>/)],
    ] as const) {
      const { code, stderr } = await generate(name);
      expect([name, code, stderr.trim().split('\n')]).toEqual([name, 1, [message]]);
    }
  });

  it(
    "compiles, lints, gives a valid schema, and passes its generated tests, the trial's and the architecture check",
    async () => {
      await inCopy(process.execPath, [
        'node_modules/typescript/bin/tsc',
        '-p',
        'tsconfig.json',
        '--noEmit',
      ]);
      await inCopy(process.execPath, [
        'node_modules/eslint/bin/eslint.js',
        'src/gift-cards',
        'src/reviews',
        'src/api',
        'test/gift-cards.e2e-spec.ts',
        'test/reviews.e2e-spec.ts',
      ]);
      await inCopy('npm', ['run', 'schema', '--silent']);
      const schema = readFileSync(join(copy, 'schema.graphql'), 'utf8');
      expect(schema).toMatch(/^type GiftCard implements Node \{/m);
      expect(schema).toMatch(/^ {2}averageRating: Float$/m);
      const { stdout } = await inCopy(
        process.execPath,
        [
          '--experimental-vm-modules',
          '--disable-warning=ExperimentalWarning',
          'node_modules/jest/bin/jest.js',
          // One worker: the outer run's other worker keeps its share of a 2-core machine.
          '--runInBand',
          'src/gift-cards',
          'src/reviews',
          'test/gift-cards.e2e-spec.ts',
          'test/reviews.e2e-spec.ts',
          'test/schema.e2e-spec.ts',
          'src/architecture.spec.ts',
        ],
        // The copy's tests use this run's database server instead of starting their own.
        { TEST_MONGODB_URI: process.env.TEST_MONGODB_SERVER_URI ?? '' },
      );
      expect(stdout).toMatch(/\n(\d+) passed, 0 failed\n/);
      expect(Number(/\n(\d+) passed, 0 failed\n/.exec(stdout)![1])).toBeGreaterThanOrEqual(30);
    },
    GENERATED_RUN_MS,
  );
});
