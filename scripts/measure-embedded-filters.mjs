// Measures the filters a DataLoader batch of one key could send, on the
// embedded database (FerretDB) with 10,000 documents; docs/architecture.md
// quotes its numbers. Run after `npm run build`:
//   node scripts/measure-embedded-filters.mjs [documents] [rounds]
import { MongoClient } from 'mongodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateFerretdb } from '../dist/database/embedded/embedded-database.js';
import { startFerretdb } from '../dist/database/embedded/ferretdb-process.js';

const documents = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 20);
const binary = locateFerretdb({ dataDir: '' });
if (!binary) {
  console.error('needs a ferretdb binary: bash scripts/install-ferretdb.sh');
  process.exit(1);
}
const dataDir = mkdtempSync(join(tmpdir(), 'measure-filters-'));
const server = await startFerretdb({ binary, dataDir });
const client = new MongoClient(`${server.uri}measure`);
try {
  const collection = client.db().collection('docs');
  await collection.createIndex({ user_id: 1 });
  const id = (i) => `d${String(i).padStart(11, '0')}`;
  for (let start = 0; start < documents; start += 1000) {
    const batch = [];
    for (let i = start; i < Math.min(start + 1000, documents); i += 1)
      batch.push({ _id: id(i), user_id: `u${i}`, rating: (i % 5) + 1, text: 'x'.repeat(200) });
    await collection.insertMany(batch, { ordered: false });
  }
  const target = Math.floor(documents / 2);
  const filters = {
    '_id equality': { _id: id(target) },
    '_id $in [one id]': { _id: { $in: [id(target)] } },
    'indexed user_id equality': { user_id: `u${target}` },
  };
  console.log(`FerretDB ${server.uri}, ${documents} documents, median of ${rounds} finds`);
  for (const [name, filter] of Object.entries(filters)) {
    const times = [];
    for (let round = 0; round < rounds; round += 1) {
      const started = process.hrtime.bigint();
      const found = await collection.find(filter).toArray();
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (found.length !== 1) throw new Error(`${name} found ${found.length} documents`);
    }
    times.sort((a, b) => a - b);
    console.log(
      `${name.padEnd(26)} median ${times[Math.floor(rounds / 2)].toFixed(1)} ms (min ${times[0].toFixed(1)}, max ${times.at(-1).toFixed(1)})`,
    );
  }
} finally {
  await client.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
