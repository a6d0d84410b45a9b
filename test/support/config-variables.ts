import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Every environment variable src/config/app-config.ts reads, from its own
 * source: the names passed to its readers (`raw('PORT')`, `integer('PORT', …)`,
 * `oneOf('LOG_LEVEL', …, 'LOGGING_LEVEL')` …), aliases included.
 */
export function configVariablesRead(): Set<string> {
  const source = readFileSync(
    resolve(__dirname, '..', '..', 'src', 'config', 'app-config.ts'),
    'utf8',
  );
  return new Set(
    [
      ...source.matchAll(
        /(?:raw|oneOf(?:<\w+>)?|integer|boolean|duration|url|keySource|read(?:<\w+>)?)\(\s*'([A-Z][A-Z0-9_]*)'(?:,\s*'([A-Z][A-Z0-9_]*)')?/g,
      ),
    ].flatMap((match) => match.slice(1).filter(Boolean)),
  );
}
