import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * The command-line flags of a bench program, read once with node:util's
 * parseArgs: `--name value` and bare `--name`. `--help` prints the program's
 * own opening comment (its usage and what it does) and exits.
 */
const { tokens } = parseArgs({
  args: process.argv.slice(2),
  strict: false,
  allowPositionals: true,
  tokens: true,
});
const values: Record<string, string | true> = {};
for (const [i, token] of tokens.entries()) {
  if (token.kind !== 'option') continue;
  // Flags are not declared here, so `--name value` arrives as an option and a positional.
  const next = tokens[i + 1];
  values[token.name] = token.value ?? (next?.kind === 'positional' ? next.value : true);
}

if (values.help) {
  const source = readFileSync(process.argv[1], 'utf8');
  const opening = /\/\*\*([\s\S]*?)\*\//.exec(source)?.[1] ?? '';
  console.log(opening.replace(/^\s*\* ?/gm, '').trim());
  process.exit(0);
}

export function hasFlag(name: string): boolean {
  return values[name] !== undefined;
}

/** `--name N`: a number, or `fallback` when the flag is absent; anything else ends the program. */
export function numberFlag(name: string, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(value) || value < 0) {
    console.error(`--${name} takes a number, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

/** `--name text`, or `fallback` when the flag is absent. */
export function textFlag(name: string, fallback: string): string {
  const raw = values[name];
  return typeof raw === 'string' ? raw : fallback;
}
