/**
 * Merchants, their credentials and their public keys: what the CLI (and the console next) does to
 * them. A merchant may have several active public keys (rotation: add the new one, then revoke the
 * old); every change counts from the gateway's next request, which reads keys with the token.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type { Store } from '../store/database.ts';
import { newId } from '../store/ids.ts';
import { parsePublicKey } from '../crypto/rsa-signature.ts';
import type { FieldEncryption } from '../crypto/field-decryption.ts';
import type { Clock } from '../time/clock.ts';
import type { Merchant, MerchantKeyInfo, MerchantProfile } from './merchant.ts';
import type { FtpAccount, MerchantRepository } from './merchant-repository.ts';
import { hashSecret, keyFingerprint, verifySecret } from './merchant-secrets.ts';

/** Compared against when a login names no account, so that it takes as long as a wrong password. */
let unknownUserHash: string | undefined;

export interface CreatedMerchant {
  readonly merchant: Merchant;
  readonly clientSecret: string;
  /** The merchant's account on the documents FTP server (the password is shown once, stored hashed). */
  readonly ftp: FtpCredentials;
  /** Present when the platform generated the merchant's key pair. */
  readonly generatedPrivateKey?: KeyObject;
}

/** A merchant's FTP user name and password, as given to the merchant once. */
export interface FtpCredentials {
  readonly user: string;
  readonly password: string;
}

export interface CreateMerchantInput {
  readonly name: string;
  readonly publicKeyPem?: string;
  readonly encryption?: FieldEncryption;
  readonly acceptedCurrencies?: readonly string[] | null;
  /** Service fee in basis points of the CNY collected, taken at settlement (default 100 = 1.00 %). */
  readonly serviceFeeBp?: number;
}

export interface MerchantServiceDeps {
  readonly store: Store;
  readonly merchants: MerchantRepository;
  readonly clock: Clock;
}

export class MerchantService {
  readonly #deps: MerchantServiceDeps;
  constructor(deps: MerchantServiceDeps) {
    this.#deps = deps;
  }

  async create(input: CreateMerchantInput): Promise<CreatedMerchant> {
    const { store, merchants, clock } = this.#deps;
    const name = input.name.trim();
    if (!name) throw new RangeError('a merchant needs a name');
    let generatedPrivateKey: KeyObject | undefined;
    let publicPem = input.publicKeyPem;
    if (!publicPem) {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      generatedPrivateKey = pair.privateKey;
      publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    }
    const publicKey = parsePublicKey(publicPem);
    const clientSecret = randomBytes(20).toString('hex');
    const merchant: Merchant = {
      id: 'M' + randomDigits(11),
      name,
      clientId: randomBytes(20).toString('hex'),
      encryption: input.encryption ?? 'oaep',
      acceptedCurrencies: input.acceptedCurrencies ?? null,
      status: 'active',
    };
    const now = clock.now();
    const serviceFeeBp = input.serviceFeeBp === undefined ? undefined : checkFeeBp(input.serviceFeeBp);
    const ftp = { user: ftpUserFor(merchant.id), password: newFtpPassword() };
    await store.write(async (trx) => {
      await merchants.insert(trx, {
        merchant,
        clientSecretHash: hashSecret(clientSecret),
        serviceFeeBp,
        createdAt: now,
        ftp: { user: ftp.user, passwordHash: hashSecret(ftp.password) },
      });
      await merchants.insertKey(trx, keyRow(merchant.id, publicKey, now));
    });
    return generatedPrivateKey ? { merchant, clientSecret, ftp, generatedPrivateKey } : { merchant, clientSecret, ftp };
  }

  /**
   * A new FTP password for the merchant (and its FTP user name, for a merchant created before FTP
   * accounts): the old password stops working at once, in running gateways too (logins and uploads
   * read the hash from the database). Undefined when there is no such merchant.
   */
  async resetFtpPassword(merchantId: string): Promise<FtpCredentials | undefined> {
    const { store, merchants } = this.#deps;
    const user = await merchants.ftpUserOf(merchantId);
    if (user === undefined) return undefined;
    const credentials = { user: user ?? ftpUserFor(merchantId), password: newFtpPassword() };
    const passwordHash = hashSecret(credentials.password);
    const done = await store.write((trx) =>
      merchants.setFtpAccount(trx, merchantId, { user: credentials.user, passwordHash }),
    );
    return done ? credentials : undefined;
  }

  /**
   * The FTP account these credentials open (an active merchant's, password checked off the event
   * loop), or undefined. An unknown user costs the same scrypt as a wrong password.
   */
  async ftpLogin(user: string, password: string): Promise<FtpAccount | undefined> {
    const account = await this.#deps.merchants.ftpAccount(user);
    const ok = await verifySecret(
      password,
      account?.passwordHash ?? (unknownUserHash ??= hashSecret(randomBytes(16).toString('hex'))),
    );
    return ok && account && account.status === 'active' ? account : undefined;
  }

  /** Whether `account` (from ftpLogin) still holds: same password hash, merchant active. */
  async ftpAccountHolds(account: FtpAccount): Promise<boolean> {
    const now = await this.#deps.merchants.ftpAccount(account.user);
    return now !== undefined && now.passwordHash === account.passwordHash && now.status === 'active';
  }

  /** Adds an active public key; returns its id (`KEY_...`). */
  async addKey(merchantId: string, publicKeyPem: string): Promise<string> {
    const { store, merchants, clock } = this.#deps;
    const key = keyRow(merchantId, parsePublicKey(publicKeyPem), clock.now());
    await store.write((trx) => merchants.insertKey(trx, key));
    return key.id;
  }

  /** Revokes a key of the merchant; false when it has no such key. */
  async revokeKey(merchantId: string, keyId: string): Promise<boolean> {
    return this.#deps.store.write((trx) => this.#deps.merchants.revokeKey(trx, merchantId, keyId));
  }

  /** Sets the service fee (basis points) for the settlements to come; false when there is no such merchant. */
  async setServiceFee(merchantId: string, bp: number): Promise<boolean> {
    const checked = checkFeeBp(bp);
    return this.#deps.store.write((trx) => this.#deps.merchants.setServiceFee(trx, merchantId, checked));
  }

  /** Every merchant, oldest first. */
  list(): Promise<MerchantProfile[]> {
    return this.#deps.merchants.profiles();
  }

  /** A merchant and its public keys, or undefined. */
  async show(merchantId: string): Promise<{ profile: MerchantProfile; keys: MerchantKeyInfo[] } | undefined> {
    const profile = await this.#deps.merchants.profile(merchantId);
    return profile && { profile, keys: await this.#deps.merchants.keys(merchantId) };
  }

  /** The merchant's name as payers see it on the pages. */
  nameOf(merchantId: string): Promise<string> {
    return this.#deps.merchants.nameOf(merchantId);
  }
}

function keyRow(merchantId: string, publicKey: KeyObject, now: number) {
  return {
    id: newId('KEY_', now),
    merchantId,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: keyFingerprint(publicKey),
    createdAt: now,
  };
}

function checkFeeBp(bp: number): number {
  if (!Number.isInteger(bp) || bp < 0 || bp > 10_000) {
    throw new RangeError(`a service fee must be 0 to 10000 basis points, got ${bp}`);
  }
  return bp;
}

/** A merchant's FTP user name: its id in lower case (`m12345678901`). */
function ftpUserFor(merchantId: string): string {
  return merchantId.toLowerCase();
}

function newFtpPassword(): string {
  return randomBytes(18).toString('base64url');
}

function randomDigits(n: number): string {
  let out = '';
  for (const b of randomBytes(n)) out += String(b % 10);
  return out;
}
