/**
 * `npm run schema:check` (scripts/schema-check.mts) as a process: a removed field fails it unless
 * the CHANGELOG's Unreleased section names it; an added field does not.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, print, visit } from 'graphql';

const ROOT = resolve(__dirname, '..');
const SCHEMA = readFileSync(join(ROOT, 'schema.graphql'), 'utf8');
let dir: string;

/** The committed schema with one field of one type removed, or one added. */
function edited(typeName: string, change: { remove: string } | { add: string }): string {
  return print(
    visit(parse(SCHEMA), {
      ObjectTypeDefinition(node) {
        if (node.name.value !== typeName) return undefined;
        if ('remove' in change)
          return { ...node, fields: node.fields?.filter((f) => f.name.value !== change.remove) };
        const added = (parse(`type T { ${change.add} }`).definitions[0] as typeof node).fields!;
        return { ...node, fields: [...(node.fields ?? []), ...added] };
      },
    }),
  );
}

function check(schema: string, changelog: string) {
  writeFileSync(join(dir, 'schema.graphql'), schema);
  writeFileSync(join(dir, 'CHANGELOG.md'), changelog);
  const run = spawnSync(
    process.execPath,
    [
      join(ROOT, 'scripts', 'schema-check.mts'),
      '--base',
      join(ROOT, 'schema.graphql'),
      '--schema',
      join(dir, 'schema.graphql'),
      '--changelog',
      join(dir, 'CHANGELOG.md'),
    ],
    { encoding: 'utf8' },
  );
  return { status: run.status, output: run.stdout + run.stderr };
}

const CHANGELOG = (unreleased: string) =>
  `# Changelog\n\n## Unreleased\n\n${unreleased}\n\n## 0.1.0\n\n- \`User.username\` (an old entry does not count)\n`;

beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'schema-check-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run schema:check', () => {
  it('passes on the unchanged schema', () => {
    const { status, output } = check(SCHEMA, CHANGELOG('- nothing'));
    expect(output).toContain('no breaking or dangerous change');
    expect(status).toBe(0);
  });

  it('fails on a removed field the Unreleased section does not name, and names it', () => {
    const { status, output } = check(edited('User', { remove: 'username' }), CHANGELOG('- x'));
    expect(output).toContain('User.username was removed');
    expect(output).toMatch(/1 breaking change\(s\) not named .*User\.username/);
    expect(status).toBe(1);
  });

  it('passes when the Unreleased section names the removed field', () => {
    const { status, output } = check(
      edited('User', { remove: 'username' }),
      CHANGELOG('- `User.username` is gone: read `full_name`.'),
    );
    expect(output).toContain('breaking (in the CHANGELOG): User.username was removed');
    expect(status).toBe(0);
  });

  it('passes on an added field (not a breaking change)', () => {
    const { status } = check(
      edited('User', { add: '"""A nickname."""\n nickname: String' }),
      CHANGELOG('- x'),
    );
    expect(status).toBe(0);
  });
});
