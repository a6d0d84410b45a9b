/**
 * `npm run schema:check`: compares schema.graphql with the main branch's (or a given file) and
 * fails on a breaking change that the CHANGELOG's "Unreleased" section does not name, so no
 * client is broken by surprise. Breaking and dangerous changes are graphql-js's
 * findBreakingChanges/findDangerousChanges.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  buildSchema,
  findBreakingChanges,
  findDangerousChanges,
  type BreakingChange,
  type GraphQLSchema,
} from 'graphql';

const USAGE = `Usage: npm run schema:check [-- --base <file or git ref:path>] [--schema <file>] [--changelog <file>]

Compares the schema with a base (default: main:schema.graphql, else origin/main's) and fails on a breaking
change (a removed field, type or argument, a changed type, a new required argument ...) unless
the CHANGELOG's "## Unreleased" section names it by its schema coordinate, e.g. \`User.username\`
or \`Query.listUsers(first:)\`.`;

const DEFAULT_BASES = ['main:schema.graphql', 'origin/main:schema.graphql'];

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    schema: { type: 'string', default: 'schema.graphql' },
    changelog: { type: 'string', default: 'CHANGELOG.md' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

/** A file, or `<git ref>:<path>` read with `git show`; undefined when it is neither. */
function readSchemaText(source: string): string | undefined {
  if (existsSync(source)) return readFileSync(source, 'utf8');
  try {
    return execFileSync('git', ['show', source], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch {
    return undefined;
  }
}

/** The given base, or main's schema (the local branch, else origin's). */
function baseSource(): { source: string; text: string } | undefined {
  for (const source of values.base ? [values.base] : DEFAULT_BASES) {
    const text = readSchemaText(source);
    if (text !== undefined) return { source, text };
  }
  if (values.base) {
    console.error(`schema:check: ${values.base} is neither a file nor a git <ref>:<path>`);
    process.exit(2);
  }
  return undefined;
}

/** The text between `## Unreleased` and the next `## ` heading. */
function unreleasedSection(changelog: string): string {
  const text = existsSync(changelog) ? readFileSync(changelog, 'utf8') : '';
  const start = text.search(/^## \[?Unreleased\]?\s*$/im);
  if (start < 0) return '';
  const rest = text.slice(start).split('\n').slice(1).join('\n');
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/**
 * The schema coordinate a change is about, from graphql-js's description:
 * `User.username was removed.` → `User.username`; `Query.listUsers arg first ...` → `Query.listUsers(first:)`.
 */
function coordinateOf(change: BreakingChange): string {
  const argument = /^(\S+) arg (\S+) /.exec(change.description);
  if (argument) return `${argument[1]}(${argument[2]}:)`;
  return change.description.split(' ')[0].replace(/\.$/, '');
}

function loadSchema(source: string, text: string | undefined): GraphQLSchema {
  if (text === undefined) {
    console.error(`schema:check: cannot read ${source}`);
    process.exit(2);
  }
  try {
    return buildSchema(text);
  } catch (error) {
    console.error(`schema:check: ${source} is not a valid schema: ${(error as Error).message}`);
    process.exit(2);
  }
}

const found = baseSource();
if (!found) {
  console.log(
    'schema:check: no main branch here (neither main nor origin/main): nothing to compare',
  );
  process.exit(0);
}
const base = loadSchema(found.source, found.text);
const current = loadSchema(values.schema, readSchemaText(values.schema));
const listed = unreleasedSection(values.changelog);
const breaking = findBreakingChanges(base, current);
const dangerous = findDangerousChanges(base, current);
const unlisted = breaking.filter((change) => !listed.includes(coordinateOf(change)));

console.log(`schema:check: ${values.schema} against ${found.source}`);
for (const change of breaking) {
  const where = unlisted.includes(change) ? 'NOT in the CHANGELOG' : 'in the CHANGELOG';
  console.log(`  breaking (${where}): ${change.description} [${coordinateOf(change)}]`);
}
for (const change of dangerous) console.log(`  dangerous (check clients): ${change.description}`);
if (unlisted.length > 0) {
  console.error(
    `schema:check: ${unlisted.length} breaking change(s) not named in ${values.changelog}'s "## Unreleased" section: ` +
      `keep the schema compatible, or name each there by its coordinate (${unlisted.map(coordinateOf).join(', ')}) ` +
      'and say what clients must change.',
  );
  process.exit(1);
}
console.log(
  breaking.length === 0 && dangerous.length === 0
    ? 'schema:check: no breaking or dangerous change'
    : `schema:check: ${breaking.length} breaking change(s), each named in the CHANGELOG; ${dangerous.length} dangerous`,
);
