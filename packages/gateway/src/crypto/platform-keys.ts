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
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { SecretBox } from './master-key.ts';
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

export async function loadOrCreatePlatformKeys(db: Kysely<Database>, box: SecretBox): Promise<PlatformKeys> {
  let row = await db.selectFrom('platform_keys').selectAll().where('id', '=', KEY_ID).executeTakeFirst();
  if (!row) {
    const { privatePem, certificatePem } = createPlatformKeyPair();
    await db
      .insertInto('platform_keys')
      .values({
        id: KEY_ID,
        private_key_enc: box.seal(privatePem, SEAL_CONTEXT),
        certificate_pem: certificatePem,
        active: 1,
        created_at: Date.now(),
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    row = await db.selectFrom('platform_keys').selectAll().where('id', '=', KEY_ID).executeTakeFirstOrThrow();
  }
  let privatePem: string;
  try {
    privatePem = box.open(row.private_key_enc, SEAL_CONTEXT);
  } catch {
    throw new Error(
      'the platform private key cannot be opened with this master key: start with the UMF_MASTER_KEY / master.key that created it',
    );
  }
  const privateKey = createPrivateKey(privatePem);
  const certificate = new X509Certificate(row.certificate_pem);
  return {
    privateKey,
    publicKey: createPublicKey(privateKey),
    certificatePem: row.certificate_pem,
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
