/**
 * Console passwords: scrypt (memory-hard) with N = 2^15, r = 8, p = 1 (32 MiB per hash), a random
 * 16-byte salt, a 32-byte key; the parameters are stored with the hash
 * (`scrypt$15$8$1$<salt b64>$<key b64>`), so stronger ones can come later without breaking old
 * hashes. Hashing runs on libuv's pool (never on the event loop); the check is timing-safe.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export const KDF = { logN: 15, r: 8, p: 1, saltBytes: 16, keyBytes: 32 } as const;
/** The shortest password an account may have. */
export const MIN_PASSWORD_LENGTH = 12;
/** The longest (scrypt takes any length; this bounds the work a login form can ask for). */
export const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, keyBytes: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, keyBytes, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

function optionsOf(logN: number, r: number, p: number): ScryptOptions {
  const N = 2 ** logN;
  return { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(KDF.saltBytes);
  const key = await derive(password, salt, KDF.keyBytes, optionsOf(KDF.logN, KDF.r, KDF.p));
  return `scrypt$${KDF.logN}$${KDF.r}$${KDF.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether `password` is the one `stored` was made from; false for anything malformed. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![logN, r, p].every((n) => Number.isInteger(n) && n > 0) || logN > 22 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (expected.length < 16) return false;
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const key = await derive(password, salt, expected.length, optionsOf(logN, r, p));
  return timingSafeEqual(key, expected);
}

/** Why a new password is refused, or undefined when it is fine. */
export function passwordProblem(password: string): string | undefined {
  if (password.trim() === '') return 'the password is empty';
  if ([...password].length < MIN_PASSWORD_LENGTH)
    return `the password is too short: at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH)
    return `the password is too long: at most ${MAX_PASSWORD_LENGTH} characters`;
  return undefined;
}
