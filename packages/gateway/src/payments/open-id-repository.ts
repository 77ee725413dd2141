/** Every SQL statement about the WeChat open_ids the (sandbox) official-account authorisation issued. */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Trx } from '../store/database.ts';

export class OpenIdRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Records an open_id of a merchant's official account (issuing the same one again is a no-op). */
  async save(db: Trx, openId: string, merchantId: string, userName: string, now: number): Promise<void> {
    await db
      .insertInto('wechat_open_ids')
      .values({ open_id: openId, merchant_id: merchantId, user_name: userName, created_at: now })
      .onConflict((oc) => oc.column('open_id').doNothing())
      .execute();
  }

  /** Whether the open_id was issued to this merchant. */
  async issuedTo(openId: string, merchantId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('wechat_open_ids')
      .select('open_id')
      .where('open_id', '=', openId)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The WeChat user's name behind an open_id (shown on the sandbox JS-API sheet). */
  async userName(openId: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('wechat_open_ids')
      .select('user_name')
      .where('open_id', '=', openId)
      .executeTakeFirst();
    return row?.user_name;
  }
}
