import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository stands alone: its documentation points only at what a clone has. */
const root = resolve(__dirname, '..');
const documents = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(join(root, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => join('docs', file)),
];

describe('documentation', () => {
  it.each(documents)('%s references nothing outside the repository', (document) => {
    const text = readFileSync(join(root, document), 'utf8');
    expect(text).not.toMatch(/\.\.\/shared|\/work\/|\/root\//);
  });

  it.each(documents)('%s links only to files that exist', (document) => {
    const text = readFileSync(join(root, document), 'utf8');
    const targets = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((match) => match[1])
      .filter((target) => !/^[a-z]+:/.test(target));
    const missing = targets.filter(
      (target) => !existsSync(resolve(root, dirname(document), target)),
    );
    expect(missing).toEqual([]);
  });

  it('has the license package.json names, and a changelog', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { license: string };
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(
      new RegExp(`^${pkg.license} License`),
    );
    expect(readFileSync(join(root, 'CHANGELOG.md'), 'utf8')).toMatch(/^# Changelog/);
  });
});

/** A source's lines that say something: trimmed, without blank lines and comment lines. */
function significantLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^(\/\/|\/\*|\*)/.test(line));
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'gql' ? [] : sourcesUnder(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** What docs/frontend.md shows is what the example app runs (and CI compiles and drives). */
describe('docs/frontend.md', () => {
  const example = join(root, 'examples', 'web');
  const sources = [...sourcesUnder(join(example, 'src')), join(example, 'codegen.ts')].map((file) =>
    significantLines(readFileSync(file, 'utf8')),
  );
  const blocks = [
    ...readFileSync(join(root, 'docs', 'frontend.md'), 'utf8').matchAll(/```tsx?\n([\s\S]*?)```/g),
  ].map((match) => significantLines(match[1]));
  const inOneSource = (lines: string[]) =>
    sources.some((source) =>
      source.some((_, start) => lines.every((line, i) => source[start + i] === line)),
    );

  it('shows TypeScript from the example', () => expect(blocks.length).toBeGreaterThan(10));

  it.each(blocks.map((lines) => [lines[0], lines]))(
    'its block starting `%s` is, line for line, in examples/web',
    (_, lines) => expect(inOneSource(lines as string[])).toBe(true),
  );
});
