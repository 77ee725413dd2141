/** Every SQL statement about the platform's key pair (`platform_keys`). */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Trx } from '../store/database.ts';

export interface StoredPlatformKey {
  readonly privateKeyEnc: string;
  readonly certificatePem: string;
}

export class PlatformKeyRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async find(id: string): Promise<StoredPlatformKey | undefined> {
    const row = await this.#db.selectFrom('platform_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { privateKeyEnc: row.private_key_enc, certificatePem: row.certificate_pem };
  }

  /** Stores the key unless one with this id exists (another process made it first). */
  async insertUnlessExists(db: Trx, id: string, key: StoredPlatformKey, now: number): Promise<void> {
    await db
      .insertInto('platform_keys')
      .values({
        id,
        private_key_enc: key.privateKeyEnc,
        certificate_pem: key.certificatePem,
        active: 1,
        created_at: now,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
}
