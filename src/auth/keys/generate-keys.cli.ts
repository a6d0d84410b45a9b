import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JWT_ALGORITHMS, type JwtAlgorithm } from '../../config/app-config';
import { generatePemKeyPair } from './key-material';

/**
 * `npm run keys [-- --alg ES256] [--out keys]`: writes a new signing key pair
 * as PEM files. The private key goes to the auth endpoint only
 * (JWT_PRIV_KEY_FILE), the public key to every API server (JWT_PUB_KEY_FILE).
 */
function main(argv: string[]): void {
  const arg = (name: string) => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const alg = (arg('alg') ?? process.env.JWT_ALG ?? 'ES256') as JwtAlgorithm;
  if (!JWT_ALGORITHMS.includes(alg)) {
    console.error(`--alg ${alg} is not valid: expected one of ${JWT_ALGORITHMS.join(', ')}`);
    process.exit(1);
  }
  const dir = resolve(arg('out') ?? 'keys');
  const stamp = new Date().toISOString().slice(0, 10);
  const privatePath = join(dir, `jwt-${alg}-${stamp}-private.pem`);
  const publicPath = join(dir, `jwt-${alg}-${stamp}-public.pem`);
  if (existsSync(privatePath)) {
    console.error(`${privatePath} exists already; move it away first`);
    process.exit(1);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pair = generatePemKeyPair(alg);
  writeFileSync(privatePath, pair.privateKey, { mode: 0o600 });
  writeFileSync(publicPath, pair.publicKey);
  console.log(
    `${alg} key pair written:\n  private (auth endpoint only): ${privatePath}\n  public (API servers):         ${publicPath}`,
  );
  console.log(`\nJWT_ALG=${alg} JWT_PRIV_KEY_FILE=${privatePath} JWT_PUB_KEY_FILE=${publicPath}`);
}

main(process.argv.slice(2));
