// First: refuses an old Node.js before anything that would crash on it is loaded.
import '../../common/node-version';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseCli } from '../../common/cli';
import { JWT_ALGORITHMS, type JwtAlgorithm } from '../../config/environment';
import { generatePemKeyPair, parseSigningKey } from './key-material';

const CLI = {
  usage: 'npm run keys -- [--alg ES256|RS256|PS256] [--out DIR]',
  description:
    'Writes a new JWT signing key pair as PEM files, named by time and key id, so every run makes\na new pair and never overwrites one (docs/auth.md, key rotation). The private key goes to the\nauth endpoint only (JWT_PRIV_KEY_FILE), the public key to every API server (JWT_PUB_KEY_FILE).',
  options: {
    alg: {
      type: 'string',
      value: 'ALG',
      description: `${JWT_ALGORITHMS.join(', ')} (default: JWT_ALG, else ES256)`,
    },
    out: {
      type: 'string',
      value: 'DIR',
      description: 'folder to write into (default: keys, git-ignored)',
    },
  },
} as const;

async function main(): Promise<void> {
  const flags = parseCli(CLI);
  const alg = (flags.alg ?? process.env.JWT_ALG ?? 'ES256') as JwtAlgorithm;
  if (!JWT_ALGORITHMS.includes(alg)) {
    console.error(`--alg ${alg} is not valid: expected one of ${JWT_ALGORITHMS.join(', ')}`);
    process.exit(2);
  }
  const dir = resolve(flags.out ?? 'keys');
  const pair = generatePemKeyPair(alg);
  const { kid } = await parseSigningKey(pair.privateKey, alg);
  const stamp = new Date().toISOString().replace(/[-:]|\.\d+/g, '');
  const name = `jwt-${alg}-${stamp}-${kid.slice(0, 8)}`;
  const privatePath = join(dir, `${name}-private.pem`);
  const publicPath = join(dir, `${name}-public.pem`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // flag 'wx': never overwrite a key, even one made in the same second.
  writeFileSync(privatePath, pair.privateKey, { mode: 0o600, flag: 'wx' });
  writeFileSync(publicPath, pair.publicKey, { flag: 'wx' });
  console.log(
    `${alg} key pair written (kid ${kid}):\n  private (auth endpoint only): ${privatePath}\n  public (API servers):         ${publicPath}`,
  );
  console.log(
    `\nNext rotation step (docs/deployment.md, Keys): publish ${publicPath} first: add it to every\nAPI server's JWT_PUB_KEY_FILE (beside the current public key) and to every auth process's\nJWT_PUB_KEY_FILE, restarting them one at a time; then give the auth processes\nJWT_ALG=${alg} JWT_PRIV_KEY_FILE=${privatePath} with the current public key as JWT_PUB_KEY_FILE.`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
