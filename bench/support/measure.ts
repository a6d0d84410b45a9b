/**
 * What the bench programs measure alike: medians over rounds, and what one
 * signature check costs in the measuring process itself.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { Strategy as PassportJwtStrategy } from 'passport-jwt';
import { generatePemKeyPair } from '../../src/auth/keys/key-material';
import type { JwtAlgorithm } from '../../src/config/environment';

export const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** passport-jwt's hook around jsonwebtoken.verify: the call the API's strategy makes per uncached token. */
const verifyWithPassportJwt = (
  PassportJwtStrategy as unknown as {
    JwtVerifier: (
      token: string,
      key: KeyObject,
      options: object,
      done: (error: Error | null) => void,
    ) => void;
  }
).JwtVerifier;

/** What one signature check costs in this process: the API's own call, with a parsed KeyObject. */
export async function signatureCheckMicroseconds(alg: JwtAlgorithm): Promise<number> {
  const pair = generatePemKeyPair(alg);
  const privateKey = createPrivateKey(pair.privateKey);
  const publicKey = createPublicKey(pair.publicKey);
  const token = await new SignJWT({ roles: ['user'] })
    .setProtectedHeader({ alg })
    .setSubject('bench')
    .setExpirationTime('15m')
    .sign(privateKey);
  const options = { algorithms: [alg], complete: true };
  const check = () =>
    verifyWithPassportJwt(token, publicKey, options, (error) => {
      if (error) throw error;
    });
  for (let i = 0; i < 200; i += 1) check();
  const count = 2000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i += 1) check();
  return Math.round(Number(process.hrtime.bigint() - started) / 1000 / count);
}
