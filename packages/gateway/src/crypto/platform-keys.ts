/**
 * The platform's RSA-2048 key pair and its self-signed X.509 certificate. Created on first start and
 * kept in the database (so every gateway process on one PostgreSQL signs with the same key), the
 * private key sealed under the master key. Parsed once into KeyObjects.
 */
import {
  generateKeyPairSync,
  createPrivateKey,
  createPublicKey,
  X509Certificate,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import forge from 'node-forge';
import type { SecretBox } from './master-key.ts';
import type { Store } from '../store/database.ts';
import { PlatformKeyRepository } from './platform-key-repository.ts';
import { FieldDecryptor } from './field-decryption.ts';

export interface PlatformKeys {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly certificatePem: string;
  readonly certificate: X509Certificate;
  readonly decryptor: FieldDecryptor;
}

const KEY_ID = 'platform';
const SEAL_CONTEXT = 'platform private key';

export async function loadOrCreatePlatformKeys(store: Store, box: SecretBox): Promise<PlatformKeys> {
  const keys = new PlatformKeyRepository(store.db);
  let row = await keys.find(KEY_ID);
  if (!row) {
    const { privatePem, certificatePem } = createPlatformKeyPair();
    const sealed = { privateKeyEnc: box.seal(privatePem, SEAL_CONTEXT), certificatePem };
    await store.write((trx) => keys.insertUnlessExists(trx, KEY_ID, sealed, Date.now()));
    row = await keys.find(KEY_ID);
    if (!row) throw new Error('the platform key was not stored');
  }
  let privatePem: string;
  try {
    privatePem = box.open(row.privateKeyEnc, SEAL_CONTEXT);
  } catch {
    throw new Error(
      'the platform private key cannot be opened with this master key: start with the UMF_MASTER_KEY / master.key ' +
        'that created it',
    );
  }
  const privateKey = createPrivateKey(privatePem);
  const certificate = new X509Certificate(row.certificatePem);
  return {
    privateKey,
    publicKey: createPublicKey(privateKey),
    certificatePem: row.certificatePem,
    certificate,
    decryptor: new FieldDecryptor(privateKey),
  };
}

/** Generates an RSA-2048 key pair and a self-signed certificate valid for ten years. */
export function createPlatformKeyPair(commonName = 'umf-gateway platform'): {
  privatePem: string;
  certificatePem: string;
} {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgePrivate = forge.pki.privateKeyFromPem(privatePem);
  const forgePublic = forge.pki.setRsaPublicKey(forgePrivate.n, forgePrivate.e);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgePublic;
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + 10 * 365 * 24 * 3600 * 1000);
  const attrs = [
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: 'umf-gateway' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, dataEncipherment: true },
  ]);
  cert.sign(forgePrivate, forge.md.sha256.create());
  return { privatePem, certificatePem: forge.pki.certificateToPem(cert) };
}
