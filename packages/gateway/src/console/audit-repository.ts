/** Every SQL statement about the console's audit log (`console_audit`, migration 011). */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Db } from '../store/database.ts';
import { numberOf } from '../store/records.ts';

export interface AuditEntry {
  readonly id: string;
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly subject: string | null;
  readonly detail: Readonly<Record<string, unknown>> | null;
  readonly address: string | null;
  readonly merchantId: string | null;
}

export interface AuditSearch {
  /** Only the entries about this merchant (a merchant user's view). */
  readonly merchantId?: string | undefined;
  readonly limit: number;
  /** Keyset paging: the entries older than this one (the last of the page before). */
  readonly before?: { readonly at: number; readonly id: string } | undefined;
}

function detailOf(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : { value };
  } catch {
    return { text };
  }
}

export class AuditRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(trx: Db, entry: AuditEntry): Promise<void> {
    await trx
      .insertInto('console_audit')
      .values({
        id: entry.id,
        at: entry.at,
        actor: entry.actor,
        action: entry.action,
        subject: entry.subject,
        detail: entry.detail === null ? null : JSON.stringify(entry.detail),
        address: entry.address,
        merchant_id: entry.merchantId,
      })
      .execute();
  }

  /** Newest first. */
  async list(search: AuditSearch): Promise<AuditEntry[]> {
    let query = this.#db.selectFrom('console_audit').selectAll();
    if (search.merchantId !== undefined) query = query.where('merchant_id', '=', search.merchantId);
    const before = search.before;
    if (before) {
      query = query.where((eb) =>
        eb.or([eb('at', '<', before.at), eb.and([eb('at', '=', before.at), eb('id', '<', before.id)])]),
      );
    }
    const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(search.limit).execute();
    return rows.map((row) => ({
      id: row.id,
      at: numberOf(row.at),
      actor: row.actor,
      action: row.action,
      subject: row.subject,
      detail: detailOf(row.detail),
      address: row.address,
      merchantId: row.merchant_id,
    }));
  }
}
