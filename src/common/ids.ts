import { badUserInput } from './errors';
import { randomInt } from 'node:crypto';

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DB_ID_LENGTH = 12;
const DB_ID = /^[0-9A-Za-z]{12}$/;

/** A new 12-character base62 database id from a cryptographically random source. */
export function newDbId(): string {
  return Array.from({ length: DB_ID_LENGTH }, () => BASE62[randomInt(62)]).join('');
}

export function isDbId(value: string): boolean {
  return DB_ID.test(value);
}

/** Relay global id: base64 of `<Type>:<db id>`. */
export function toGlobalId(type: string, dbId: string): string {
  return Buffer.from(`${type}:${dbId}`, 'utf8').toString('base64');
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The type and database id inside a global id, or undefined when it is not one. */
export function fromGlobalId(globalId: string): { type: string; id: string } | undefined {
  if (globalId.length > 200 || !BASE64.test(globalId)) return undefined;
  const text = Buffer.from(globalId, 'base64').toString('utf8');
  const match = /^([A-Za-z]+):(.+)$/s.exec(text);
  return match ? { type: match[1], id: match[2] } : undefined;
}

/**
 * The database id inside a global id that must be of `type`; anything else
 * (invalid base64, another type's id) is BAD_USER_INPUT naming the argument.
 */
export function expectGlobalId(type: string, globalId: string, argument: string): string {
  const decoded = fromGlobalId(globalId);
  if (!decoded) throw badUserInput(`${argument} is not a valid ${type} id`);
  if (decoded.type !== type)
    throw badUserInput(`${argument} must be a ${type} id, got a ${decoded.type} id`);
  return decoded.id;
}
