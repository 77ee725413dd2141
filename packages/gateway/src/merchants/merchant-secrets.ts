/**
 * Client secrets are stored as scrypt hashes and checked off the event loop (scrypt runs on libuv's
 * thread pool); public keys are named by the SHA-256 of their DER SubjectPublicKeyInfo.
 */
import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual, type KeyObject } from 'node:crypto';

const SCRYPT = { N: 16384, r: 8, p: 1 } as const;

export function hashSecret(secret: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(secret, salt, 32, SCRYPT);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await new Promise<Buffer>((resolve, reject) =>
    scrypt(secret, Buffer.from(salt, 'base64'), expected.length, SCRYPT, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
  return timingSafeEqual(actual, expected);
}

export function keyFingerprint(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}
