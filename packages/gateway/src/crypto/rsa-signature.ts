/** SHA256withRSA (RSASSA-PKCS1-v1_5 over SHA-256): the signature of requests, responses and notifications. */
import { createPublicKey, createPrivateKey, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';

export function signSha256WithRsa(privateKey: KeyObject, data: Buffer | string): string {
  return sign('sha256', typeof data === 'string' ? Buffer.from(data, 'utf8') : data, privateKey).toString('base64');
}

/** Verifies a base64 signature; false (never a throw) for malformed base64 or wrong keys. */
export function verifySha256WithRsa(publicKey: KeyObject, data: Buffer | string, signatureBase64: string): boolean {
  if (!/^[A-Za-z0-9+/=\s_-]+$/.test(signatureBase64)) return false;
  const signature = Buffer.from(signatureBase64.replace(/\s+/g, ''), 'base64');
  if (signature.length === 0) return false;
  try {
    return verify('sha256', typeof data === 'string' ? Buffer.from(data, 'utf8') : data, publicKey, signature);
  } catch {
    return false;
  }
}

/** Parses an RSA public key given as PEM (SPKI or PKCS#1), DER SPKI, or an X.509 certificate. */
export function parsePublicKey(input: string | Buffer): KeyObject {
  const text = Buffer.isBuffer(input) ? input.toString('latin1') : input;
  if (text.includes('-----BEGIN CERTIFICATE-----')) return new X509Certificate(text).publicKey;
  if (text.includes('-----BEGIN')) return assertRsa(createPublicKey(text));
  const der = Buffer.isBuffer(input) ? input : Buffer.from(input, 'base64');
  try {
    return assertRsa(createPublicKey({ key: der, format: 'der', type: 'spki' }));
  } catch {
    return new X509Certificate(der).publicKey;
  }
}

/** Parses a private key given as PEM or PKCS#8 DER (`.key.p8`). */
export function parsePrivateKey(input: string | Buffer): KeyObject {
  const text = Buffer.isBuffer(input) ? input.toString('latin1') : input;
  if (text.includes('-----BEGIN')) return assertRsa(createPrivateKey(text));
  return assertRsa(
    createPrivateKey({
      key: Buffer.isBuffer(input) ? input : Buffer.from(input, 'base64'),
      format: 'der',
      type: 'pkcs8',
    }),
  );
}

function assertRsa(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`expected an RSA key, got ${key.asymmetricKeyType}`);
  return key;
}
