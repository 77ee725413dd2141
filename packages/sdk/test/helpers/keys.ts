// Test keys: the platform's self-signed certificate from the openssl CLI, the merchant's key pair from node.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestKeys {
  dir: string;
  platformKeyPath: string;
  platformPrivateKey: KeyObject;
  platformKeyPem: string;
  platformCertPem: string;
  platformCertDer: Buffer;
  merchantPrivateKey: KeyObject;
  merchantPublicKey: KeyObject;
  /** PKCS#8 DER, like the `.key.p8` file merchants are given. */
  merchantKeyP8: Buffer;
  merchantKeyPem: string;
  cleanup(): void;
}

export function makeTestKeys(): TestKeys {
  const dir = mkdtempSync(join(tmpdir(), 'umf-sdk-test-'));
  const keyPath = join(dir, 'k.pem');
  const certPath = join(dir, 'c.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-subj',
      '/CN=test',
      '-days',
      '1',
    ],
    { stdio: 'pipe' },
  );
  const derPath = join(dir, 'c.der');
  execFileSync('openssl', ['x509', '-in', certPath, '-outform', 'DER', '-out', derPath], { stdio: 'pipe' });
  const platformKeyPem = readFileSync(keyPath, 'utf8');
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const merchantKeyP8 = merchant.privateKey.export({ format: 'der', type: 'pkcs8' });
  return {
    dir,
    platformKeyPath: keyPath,
    platformPrivateKey: createPrivateKey(platformKeyPem),
    platformKeyPem,
    platformCertPem: readFileSync(certPath, 'utf8'),
    platformCertDer: readFileSync(derPath),
    merchantPrivateKey: merchant.privateKey,
    merchantPublicKey: createPublicKey(merchant.privateKey),
    merchantKeyP8,
    merchantKeyPem: merchant.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Decrypts a base64 RSA ciphertext with the openssl CLI (Node 20 refuses PKCS#1 v1.5 private decryption). */
export function opensslDecrypt(keys: TestKeys, ciphertextBase64: string, padding: 'pkcs1' | 'oaep'): string {
  const inPath = join(keys.dir, `ct-${process.hrtime.bigint()}.bin`);
  writeFileSync(inPath, Buffer.from(ciphertextBase64, 'base64'));
  const opts =
    padding === 'pkcs1'
      ? ['-pkeyopt', 'rsa_padding_mode:pkcs1']
      : ['-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha256'];
  const out = execFileSync('openssl', ['pkeyutl', '-decrypt', '-inkey', keys.platformKeyPath, '-in', inPath, ...opts], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out.toString('utf8');
}
