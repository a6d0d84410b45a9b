import { parseArgs } from 'node:util';

interface CliOption {
  readonly type: 'string' | 'boolean';
  /** Shown by --help, e.g. "N" for `--users N`. */
  readonly value?: string;
  readonly description: string;
}

export interface CliSpec<O extends Record<string, CliOption>> {
  /** e.g. `npm run seed -- [options]` */
  readonly usage: string;
  readonly description: string;
  readonly options: O;
}

type Values<O extends Record<string, CliOption>> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
};

/** The help text: usage, what the command does, each option. */
function helpText(spec: CliSpec<Record<string, CliOption>>): string {
  const rows = Object.entries(spec.options).map(([name, option]) => [
    `--${name}${option.value ? ` ${option.value}` : ''}`,
    option.description,
  ]);
  rows.push(['--help', 'print this help']);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return [
    `Usage: ${spec.usage}`,
    '',
    spec.description,
    '',
    'Options:',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
  ].join('\n');
}

/**
 * A command's flags through node:util's parseArgs (strict, no positionals): `--help` prints the
 * help and exits 0; an unknown or malformed flag prints why, then the help, and exits 2.
 */
export function parseCli<O extends Record<string, CliOption>>(
  spec: CliSpec<O>,
  argv: readonly string[] = process.argv.slice(2),
): Values<O> {
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, option]) => [name, { type: option.type }]),
  );
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean' } },
    });
    if (values.help) {
      process.stdout.write(`${helpText(spec)}\n`);
      process.exit(0);
    }
    return values as Values<O>;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${helpText(spec)}`);
    process.exit(2);
  }
}

/** A whole number from a flag's text, or the process ends with one line saying what was wrong. */
export function wholeNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name} takes a whole number, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}
