/**
 * Every SQL statement about access tokens (the token endpoint's failure counts are in
 * auth-throttle-repository.ts). Tokens are stored
 * as SHA-256 hashes, one per merchant (a new token replaces the previous one).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Trx } from '../store/database.ts';
import { PreparedQuery } from '../store/prepared.ts';
import { numberOf } from '../store/records.ts';
import { merchantOf, type MerchantRow } from '../merchants/merchant-repository.ts';
import type { Merchant } from '../merchants/merchant.ts';

export interface TokenHolder {
  readonly merchant: Merchant;
  readonly expiresAt: number;
}

export interface TokenHolderWithKeys extends TokenHolder {
  /** The PEMs of the merchant's active public keys. */
  readonly keyPems: readonly string[];
}

type HolderRow = MerchantRow & { expires_at: number | string | bigint };

/** The merchant and expiry of a token (GET and other unsigned requests). */
const tokenMerchant = new PreparedQuery<[tokenHash: string], HolderRow>(1, (db, [tokenHash]) =>
  db
    .selectFrom('access_tokens')
    .innerJoin('merchants', 'merchants.id', 'access_tokens.merchant_id')
    .selectAll('merchants')
    .select('access_tokens.expires_at')
    .where('access_tokens.token_hash', '=', tokenHash),
);

/**
 * The same with the merchant's active public keys, for signed requests: one row per active key (and
 * one row with a NULL key when the merchant has none; a stored key is never NULL).
 */
const tokenMerchantKeys = new PreparedQuery<[tokenHash: string], HolderRow & { public_key_pem: string | null }>(
  1,
  (db, [tokenHash]) =>
    db
      .selectFrom('access_tokens')
      .innerJoin('merchants', 'merchants.id', 'access_tokens.merchant_id')
      .leftJoin('merchant_keys', (join) =>
        join.onRef('merchant_keys.merchant_id', '=', 'merchants.id').on('merchant_keys.status', '=', 'active'),
      )
      .selectAll('merchants')
      .select(['access_tokens.expires_at', 'merchant_keys.public_key_pem'])
      .where('access_tokens.token_hash', '=', tokenHash),
);

export class TokenRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async holder(tokenHash: string): Promise<TokenHolder | undefined> {
    const row = await tokenMerchant.takeFirst(this.#db, tokenHash);
    return row && { merchant: merchantOf(row), expiresAt: numberOf(row.expires_at) };
  }

  /** One statement: the holder of a token and its merchant's active keys (read per request). */
  async holderWithKeys(tokenHash: string): Promise<TokenHolderWithKeys | undefined> {
    const rows = await tokenMerchantKeys.execute(this.#db, tokenHash);
    const row = rows[0];
    if (!row) return undefined;
    const keyPems = rows.flatMap((r) => (r.public_key_pem === null ? [] : [r.public_key_pem]));
    return { merchant: merchantOf(row), expiresAt: numberOf(row.expires_at), keyPems };
  }

  /** Replaces the merchant's token. */
  async save(db: Trx, merchantId: string, tokenHash: string, expiresAt: number, now: number): Promise<void> {
    const stored = { token_hash: tokenHash, expires_at: expiresAt, created_at: now };
    await db
      .insertInto('access_tokens')
      .values({ merchant_id: merchantId, ...stored })
      .onConflict((oc) => oc.column('merchant_id').doUpdateSet(stored))
      .execute();
  }
}
