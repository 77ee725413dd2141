/** Every SQL statement about merchants and their public keys. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, MerchantsTable } from '../store/schema.ts';
import type { Trx } from '../store/database.ts';
import type { Merchant, MerchantKeyInfo, MerchantProfile } from './merchant.ts';

export interface NewMerchantRow {
  readonly merchant: Merchant;
  readonly clientSecretHash: string;
  readonly serviceFeeBp: number | undefined;
  readonly createdAt: number;
  /** The merchant's account on the documents FTP server (user name, scrypt hash of its password). */
  readonly ftp?: FtpAccountRow | undefined;
}

export interface FtpAccountRow {
  readonly user: string;
  readonly passwordHash: string;
}

/** A merchant's FTP account as a login checks it. */
export interface FtpAccount extends FtpAccountRow {
  readonly merchantId: string;
  readonly status: string;
}

export interface NewKeyRow {
  readonly id: string;
  readonly merchantId: string;
  readonly publicKeyPem: string;
  readonly fingerprint: string;
  readonly createdAt: number;
}

export class MerchantRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(db: Trx, row: NewMerchantRow): Promise<void> {
    const { merchant } = row;
    await db
      .insertInto('merchants')
      .values({
        id: merchant.id,
        name: merchant.name,
        client_id: merchant.clientId,
        client_secret_hash: row.clientSecretHash,
        encryption: merchant.encryption,
        accepted_currencies: merchant.acceptedCurrencies ? JSON.stringify(merchant.acceptedCurrencies) : null,
        status: merchant.status,
        created_at: row.createdAt,
        ...(row.serviceFeeBp === undefined ? {} : { service_fee_bp: row.serviceFeeBp }),
        ...(row.ftp ? { ftp_user: row.ftp.user, ftp_password_hash: row.ftp.passwordHash } : {}),
      })
      .execute();
  }

  /** Sets the merchant's FTP account (a new password, the user name when it had none); false: no such merchant. */
  async setFtpAccount(db: Trx, merchantId: string, account: FtpAccountRow): Promise<boolean> {
    const result = await db
      .updateTable('merchants')
      .set({ ftp_user: account.user, ftp_password_hash: account.passwordHash })
      .where('id', '=', merchantId)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /** The FTP user name of a merchant (null: it has no FTP account yet); undefined when no such merchant. */
  async ftpUserOf(merchantId: string): Promise<string | null | undefined> {
    const row = await this.#db
      .selectFrom('merchants')
      .select('ftp_user')
      .where('id', '=', merchantId)
      .executeTakeFirst();
    return row && row.ftp_user;
  }

  /** The FTP account of a user name, read fresh on every call (a new password counts at once). */
  async ftpAccount(user: string): Promise<FtpAccount | undefined> {
    const row = await this.#db
      .selectFrom('merchants')
      .select(['id', 'ftp_user', 'ftp_password_hash', 'status'])
      .where('ftp_user', '=', user)
      .executeTakeFirst();
    if (!row?.ftp_user || !row.ftp_password_hash) return undefined;
    return { merchantId: row.id, user: row.ftp_user, passwordHash: row.ftp_password_hash, status: row.status };
  }

  async insertKey(db: Trx, key: NewKeyRow): Promise<void> {
    await db
      .insertInto('merchant_keys')
      .values({
        id: key.id,
        merchant_id: key.merchantId,
        public_key_pem: key.publicKeyPem,
        fingerprint: key.fingerprint,
        status: 'active',
        created_at: key.createdAt,
      })
      .execute();
  }

  async revokeKey(db: Trx, merchantId: string, keyId: string): Promise<boolean> {
    const result = await db
      .updateTable('merchant_keys')
      .set({ status: 'revoked' })
      .where('id', '=', keyId)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async setServiceFee(db: Trx, merchantId: string, bp: number): Promise<boolean> {
    const result = await db
      .updateTable('merchants')
      .set({ service_fee_bp: bp })
      .where('id', '=', merchantId)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async exists(merchantId: string): Promise<boolean> {
    const row = await this.#db.selectFrom('merchants').select('id').where('id', '=', merchantId).executeTakeFirst();
    return row !== undefined;
  }

  /** The merchant's name for pages the payer sees (the id when there is no such merchant). */
  async nameOf(merchantId: string): Promise<string> {
    const row = await this.#db.selectFrom('merchants').select('name').where('id', '=', merchantId).executeTakeFirst();
    return row?.name ?? merchantId;
  }

  /** Service fees in basis points, by merchant id (settlement). */
  async serviceFees(merchantIds: readonly string[]): Promise<Map<string, number>> {
    if (merchantIds.length === 0) return new Map();
    const rows = await this.#db
      .selectFrom('merchants')
      .select(['id', 'service_fee_bp'])
      .where('id', 'in', [...merchantIds])
      .execute();
    return new Map(rows.map((r) => [r.id, Number(r.service_fee_bp)]));
  }

  /** Every merchant, oldest first. */
  async profiles(): Promise<MerchantProfile[]> {
    const rows = await this.#db
      .selectFrom('merchants')
      .select(PROFILE_COLUMNS)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(profileOf);
  }

  async profile(merchantId: string): Promise<MerchantProfile | undefined> {
    const row = await this.#db
      .selectFrom('merchants')
      .select(PROFILE_COLUMNS)
      .where('id', '=', merchantId)
      .executeTakeFirst();
    return row && profileOf(row);
  }

  /** The merchant's public keys, oldest first. */
  async keys(merchantId: string): Promise<MerchantKeyInfo[]> {
    const rows = await this.#db
      .selectFrom('merchant_keys')
      .select(['id', 'fingerprint', 'status', 'created_at'])
      .where('merchant_id', '=', merchantId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      fingerprint: r.fingerprint,
      status: r.status,
      createdAt: Number(r.created_at),
    }));
  }

  /** What the token endpoint needs of a client: its merchant, secret hash and status. */
  async credentialsOf(clientId: string): Promise<{ id: string; clientSecretHash: string; status: string } | undefined> {
    const row = await this.#db
      .selectFrom('merchants')
      .select(['id', 'client_secret_hash', 'status'])
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row && { id: row.id, clientSecretHash: row.client_secret_hash, status: row.status };
  }
}

/** A merchants row as the domain sees it. */
export function merchantOf(row: MerchantRow): Merchant {
  return {
    id: row.id,
    name: row.name,
    clientId: row.client_id,
    encryption: row.encryption === 'pkcs1' ? 'pkcs1' : 'oaep',
    acceptedCurrencies: row.accepted_currencies ? (JSON.parse(row.accepted_currencies) as string[]) : null,
    status: row.status,
  };
}

export type MerchantRow = Pick<
  Selectable<MerchantsTable>,
  'id' | 'name' | 'client_id' | 'encryption' | 'accepted_currencies' | 'status'
>;

const PROFILE_COLUMNS = [
  'id',
  'name',
  'client_id',
  'encryption',
  'accepted_currencies',
  'status',
  'service_fee_bp',
  'created_at',
] as const;

type ProfileRow = MerchantRow & Pick<Selectable<MerchantsTable>, 'service_fee_bp' | 'created_at'>;

function profileOf(row: ProfileRow): MerchantProfile {
  return { ...merchantOf(row), serviceFeeBp: Number(row.service_fee_bp), createdAt: Number(row.created_at) };
}
