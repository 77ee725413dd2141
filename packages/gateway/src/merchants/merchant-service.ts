/**
 * Merchants, their credentials and their public keys. Client secrets are stored as scrypt hashes;
 * a merchant may have several active public keys (rotation: add the new one, then revoke the old).
 */
import {
  createHash,
  generateKeyPairSync,
  randomBytes,
  scrypt,
  scryptSync,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database, MerchantsTable } from '../store/schema.ts';
import { newId } from '../store/ids.ts';
import { parsePublicKey } from '../crypto/rsa-signature.ts';
import type { FieldEncryption } from '../crypto/field-decryption.ts';

export interface Merchant {
  readonly id: string;
  readonly name: string;
  readonly clientId: string;
  readonly encryption: FieldEncryption;
  readonly acceptedCurrencies: readonly string[] | null;
  readonly status: string;
}

export interface CreatedMerchant {
  readonly merchant: Merchant;
  readonly clientSecret: string;
  /** Present when the platform generated the merchant's key pair. */
  readonly generatedPrivateKey?: KeyObject;
}

export interface CreateMerchantInput {
  readonly name: string;
  readonly publicKeyPem?: string;
  readonly encryption?: FieldEncryption;
  readonly acceptedCurrencies?: readonly string[] | null;
  /** Service fee in basis points of the CNY collected, taken at settlement (default 100 = 1.00 %). */
  readonly serviceFeeBp?: number;
}

export async function createMerchant(
  db: Kysely<Database>,
  input: CreateMerchantInput,
  now = Date.now(),
): Promise<CreatedMerchant> {
  const name = input.name.trim();
  if (!name) throw new Error('a merchant needs a name');
  let generatedPrivateKey: KeyObject | undefined;
  let publicPem = input.publicKeyPem;
  if (!publicPem) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    generatedPrivateKey = pair.privateKey;
    publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }
  const publicKey = parsePublicKey(publicPem);
  const normalisedPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const merchantId = 'M' + randomDigits(11);
  const clientId = randomBytes(20).toString('hex');
  const clientSecret = randomBytes(20).toString('hex');
  const merchant: Merchant = {
    id: merchantId,
    name,
    clientId,
    encryption: input.encryption ?? 'oaep',
    acceptedCurrencies: input.acceptedCurrencies ?? null,
    status: 'active',
  };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('merchants')
      .values({
        id: merchant.id,
        name,
        client_id: clientId,
        client_secret_hash: hashSecret(clientSecret),
        encryption: merchant.encryption,
        accepted_currencies: merchant.acceptedCurrencies ? JSON.stringify(merchant.acceptedCurrencies) : null,
        status: merchant.status,
        created_at: now,
        ...(input.serviceFeeBp === undefined ? {} : { service_fee_bp: checkFeeBp(input.serviceFeeBp) }),
      })
      .execute();
    await trx
      .insertInto('merchant_keys')
      .values({
        id: newId('KEY_'),
        merchant_id: merchant.id,
        public_key_pem: normalisedPem,
        fingerprint: keyFingerprint(publicKey),
        status: 'active',
        created_at: now,
      })
      .execute();
  });
  return generatedPrivateKey ? { merchant, clientSecret, generatedPrivateKey } : { merchant, clientSecret };
}

export async function addMerchantKey(
  db: Kysely<Database>,
  merchantId: string,
  publicKeyPem: string,
  now = Date.now(),
): Promise<string> {
  const publicKey = parsePublicKey(publicKeyPem);
  const id = newId('KEY_');
  await db
    .insertInto('merchant_keys')
    .values({
      id,
      merchant_id: merchantId,
      public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      fingerprint: keyFingerprint(publicKey),
      status: 'active',
      created_at: now,
    })
    .execute();
  return id;
}

function checkFeeBp(bp: number): number {
  if (!Number.isInteger(bp) || bp < 0 || bp > 10_000)
    throw new Error(`a service fee must be 0 to 10000 basis points, got ${bp}`);
  return bp;
}

/** Sets the merchant's service fee (basis points) for the settlements to come; false if no such merchant. */
export async function setServiceFee(db: Kysely<Database>, merchantId: string, bp: number): Promise<boolean> {
  const result = await db
    .updateTable('merchants')
    .set({ service_fee_bp: checkFeeBp(bp) })
    .where('id', '=', merchantId)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function revokeMerchantKey(db: Kysely<Database>, merchantId: string, keyId: string): Promise<boolean> {
  const result = await db
    .updateTable('merchant_keys')
    .set({ status: 'revoked' })
    .where('id', '=', keyId)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export function rowToMerchant(row: Selectable<MerchantsTable>): Merchant {
  return {
    id: row.id,
    name: row.name,
    clientId: row.client_id,
    encryption: row.encryption === 'pkcs1' ? 'pkcs1' : 'oaep',
    acceptedCurrencies: row.accepted_currencies ? (JSON.parse(row.accepted_currencies) as string[]) : null,
    status: row.status,
  };
}

export function keyFingerprint(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

const SCRYPT = { N: 16384, r: 8, p: 1 } as const;

export function hashSecret(secret: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(secret, salt, 32, SCRYPT);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Checks a client secret off the event loop (scrypt runs in libuv's thread pool). */
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

function randomDigits(n: number): string {
  let out = '';
  const bytes = randomBytes(n);
  for (const b of bytes) out += String(b % 10);
  return out;
}
