import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config/app-config';
import { loadTrustedDocuments, trustedDocumentCache } from './trusted-documents';

const VIEWER = 'query Viewer { viewer { username } }';
const HASH = createHash('sha256').update(VIEWER).digest('hex');

describe('trusted documents', () => {
  let dir: string;
  const manifest = (content: string) => {
    const path = join(dir, `m${Math.random()}.json`);
    writeFileSync(path, content);
    return path;
  };

  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'manifest-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the client preset manifest, keys with or without `sha256:`', () => {
    const documents = loadTrustedDocuments(
      manifest(JSON.stringify({ [`sha256:${HASH}`]: VIEWER })),
    );
    expect([...documents]).toEqual([[HASH, VIEWER]]);
    expect(loadTrustedDocuments(manifest(JSON.stringify({ [HASH]: VIEWER }))).get(HASH)).toBe(
      VIEWER,
    );
  });

  it('refuses, in one line, a key that is not the hash of its document', () => {
    const forged = manifest(JSON.stringify({ [`sha256:${HASH}`]: '{ listUsers { totalCount } }' }));
    expect(() => loadTrustedDocuments(forged)).toThrow(ConfigError);
    expect(() => loadTrustedDocuments(forged)).toThrow(
      `TRUSTED_DOCUMENTS: ${forged}: entry "sha256:${HASH}" is not "sha256:<hex>" of its document`,
    );
  });

  it('refuses a file that is missing or not a JSON object', () => {
    expect(() => loadTrustedDocuments(join(dir, 'missing.json'))).toThrow(/cannot read/);
    expect(() => loadTrustedDocuments(manifest('[]'))).toThrow(/not a JSON object/);
  });

  it("answers Apollo's prefixed keys from the manifest; registers others unless only trusted", async () => {
    const documents = new Map([[HASH, VIEWER]]);
    const open = trustedDocumentCache(documents, false);
    await expect(open.get(`apq:${HASH}`)).resolves.toBe(VIEWER);
    await open.set('apq:abc', '{ viewer { id } }');
    await expect(open.get('apq:abc')).resolves.toBe('{ viewer { id } }');
    const only = trustedDocumentCache(documents, true);
    await only.set('apq:abc', '{ viewer { id } }');
    await expect(only.get('apq:abc')).resolves.toBeUndefined();
    await expect(only.get(`apq:sha256:${HASH}`)).resolves.toBe(VIEWER);
  });
});
