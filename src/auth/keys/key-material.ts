import { calculateJwkThumbprint, type JWK } from 'jose';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KeySource } from '../../config/app-config';
import { JWT_ALGORITHMS, type JwtAlgorithm } from '../../config/environment';

/** A public key, parsed once, with the one algorithm it may verify. */
export interface VerificationKey {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  readonly key: KeyObject;
  readonly jwk: JWK;
}

/** The private key tokens are signed with, and its public half. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicKey: VerificationKey;
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

export function readPem(source: KeySource): string {
  return source.kind === 'pem' ? source.pem : readFileSync(source.path, 'utf8');
}

/**
 * Which algorithm a key may sign or verify with. EC P-256 is ES256; an RSA
 * key follows `preferred` (RS256 or PS256). Anything else is refused, naming
 * what is supported.
 */
export function algorithmFor(key: KeyObject, preferred: JwtAlgorithm): JwtAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new Error('EC keys must use the P-256 curve (ES256)');
    return 'ES256';
  }
  if (type === 'rsa' || type === 'rsa-pss') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
      throw new Error('RSA keys must be at least 2048 bits');
    return preferred === 'PS256' || type === 'rsa-pss' ? 'PS256' : 'RS256';
  }
  throw new Error(
    `unsupported ${type ?? 'unknown'} key: the supported algorithms are ${JWT_ALGORITHMS.join(', ')} (EC P-256 or RSA keys)`,
  );
}

/** The RFC 7638 thumbprint: a stable `kid` derived from the key itself. */
async function verificationKey(key: KeyObject, alg: JwtAlgorithm): Promise<VerificationKey> {
  const jwk = key.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, alg, key, jwk: { ...jwk, kid, alg, use: 'sig' } };
}

export async function parsePublicKeys(
  text: string,
  preferred: JwtAlgorithm,
): Promise<VerificationKey[]> {
  // A public key file may hold several keys during a rotation.
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new Error('no PEM public key found');
  return Promise.all(
    blocks.map((pem) => {
      const key = createPublicKey(pem);
      return verificationKey(key, algorithmFor(key, preferred));
    }),
  );
}

export async function parseSigningKey(pem: string, preferred: JwtAlgorithm): Promise<SigningKey> {
  const privateKey = createPrivateKey(pem);
  const alg = algorithmFor(privateKey, preferred);
  const publicKey = await verificationKey(createPublicKey(privateKey), alg);
  return { kid: publicKey.kid, alg, privateKey, publicKey };
}

/** A fresh key pair for an algorithm, as PEM text. */
export function generatePemKeyPair(alg: JwtAlgorithm): { privateKey: string; publicKey: string } {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
