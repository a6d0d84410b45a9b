/** The command-line flags of a bench program: `--name value` and bare `--name`. */
const args = process.argv.slice(2);

export function hasFlag(name: string): boolean {
  return args.includes(`--${name}`);
}

/** `--name N`: a number, or `fallback` when the flag is absent; anything else ends the program. */
export function numberFlag(name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} takes a number, got ${JSON.stringify(args[index + 1])}`);
    process.exit(2);
  }
  return value;
}

/** `--name text`, or `fallback` when the flag is absent. */
export function textFlag(name: string, fallback: string): string {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? (args[index + 1] ?? fallback) : fallback;
}
