import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
