import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Role } from '../common/viewer';

interface SampleUser {
  readonly _id: string;
  readonly full_name?: string;
  readonly username: string;
  readonly primary_email: string;
  readonly primary_locale: string;
  readonly roles: Role[];
  readonly dev_password: string;
}

export interface SampleData {
  readonly users: SampleUser[];
  readonly items: Record<string, unknown>[];
  readonly orders: Record<string, unknown>[];
}

/** The project's sample data (data/sample-data.yaml): fixed ids that legacy clients use. */
const SAMPLE_DATA_FILE = resolve(__dirname, '..', '..', 'data', 'sample-data.yaml');

export function readSampleData(): SampleData {
  // Loaded when seeding only: a production process never parses YAML (docs/performance.md, Memory).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require('yaml') as typeof import('yaml');
  const data = parse(readFileSync(SAMPLE_DATA_FILE, 'utf8')) as Partial<SampleData>;
  return { users: data.users ?? [], items: data.items ?? [], orders: data.orders ?? [] };
}
