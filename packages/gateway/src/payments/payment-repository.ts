/**
 * Every SQL statement about the `payments` table, as typed PaymentRecords. The hot paths (create,
 * a merchant's query) are prepared queries (store/prepared.ts). State changes are guarded updates:
 * they match only while the payment is still where the caller read it, and return the moved record.
 */
import { CompiledQuery, sql, type Kysely, type SelectQueryBuilder, type Selectable, type Updateable } from 'kysely';
import type { Database, PaymentsTable } from '../store/schema.ts';
import type { Db, DialectName, Trx } from '../store/database.ts';
import { PreparedInsert, PreparedQuery } from '../store/prepared.ts';
import { minorOf, numberOf } from '../store/records.ts';
import type { Reason } from '../errors/domain-error.ts';
import { paymentRecordOf, type PaymentRecord } from './payment-record.ts';
import type { PaymentPosition, PaymentStage } from './payment-state.ts';

/** The columns a payment is created with: every column but those with defaults (migrations 003-005, 009's funds). */
const INSERT_COLUMNS = [
  'id',
  'merchant_id',
  'mer_reference_id',
  'mer_date',
  'state',
  'stage',
  'payment_method',
  'interface_type',
  'business_type',
  'bank_code',
  'currency',
  'amount_minor',
  'total_cny_minor',
  'exchange_rate',
  'order_json',
  'payer_json',
  'notify_url',
  'ret_url',
  'expire_at',
  'created_at',
  'updated_at',
  'version',
  'execute_success_at',
  'settle_date',
  'card_last4',
  'card_fingerprint',
  'agreement_id',
  'phone',
  'sms_sent_count',
  'sms_last_sent_at',
  'sms_code_hash',
  'sms_code_expires_at',
  'verify_failures',
  'card_secret_enc',
  'bank_resolve_at',
  'failure_reason',
  'failure_detail',
  'channel',
  'wallet_json',
  'prepay_id',
  'enterprise_id',
] as const;

export type NewPayment = { readonly [K in (typeof INSERT_COLUMNS)[number]]: PaymentRecord[K] };

/** What a state or stage change may set besides state, stage, version and updated_at. */
export type PaymentChanges = Omit<Updateable<PaymentsTable>, 'id' | 'state' | 'stage' | 'version' | 'updated_at'> & {
  readonly failure_reason?: Reason | null;
};

const insertPayment = new PreparedInsert('payments', INSERT_COLUMNS);

const merchantPayment = new PreparedQuery<[paymentId: string, merchantId: string], Record<string, unknown>>(
  2,
  (db, [paymentId, merchantId]) =>
    db.selectFrom('payments').selectAll().where('id', '=', paymentId).where('merchant_id', '=', merchantId),
);

const paymentById = new PreparedQuery<[paymentId: string], Record<string, unknown>>(1, (db, [paymentId]) =>
  db.selectFrom('payments').selectAll().where('id', '=', paymentId),
);

const toRecord = (row: unknown): PaymentRecord => paymentRecordOf(row as never);

/** Rows per statement of `insertMany`: 41 columns x 500 rows stays under the databases' limits of bound values. */
const INSERT_MANY_ROWS = 500;

type PaymentSelect = SelectQueryBuilder<Database, 'payments', Selectable<PaymentsTable>>;

/** The operator's list order: newest first, then by id (ids of one millisecond are not in order). */
function newestFirst(a: PaymentRecord, b: PaymentRecord): number {
  if (a.created_at !== b.created_at) return b.created_at - a.created_at;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** What an operator looks for: every field optional but `limit`. */
export interface PaymentSearch {
  readonly merchantId?: string;
  readonly states?: readonly string[];
  readonly method?: string;
  readonly currency?: string;
  /** Created at or after (epoch ms). */
  readonly createdFrom?: number;
  /** Created before (epoch ms). */
  readonly createdBefore?: number;
  /** A payment id, a mer_reference_id, or the last four digits of the card. */
  readonly text?: string;
  /** The page after this payment (newest first). */
  readonly before?: { readonly createdAt: number; readonly id: string };
  readonly limit: number;
}

export class PaymentRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(db: Trx, payment: NewPayment): Promise<void> {
    await insertPayment.run(db, payment);
  }

  /** A merchant's payment; undefined for an unknown id and for another merchant's payment alike. */
  async findOfMerchant(merchantId: string, paymentId: string): Promise<PaymentRecord | undefined> {
    const row = await merchantPayment.takeFirst(this.#db, paymentId, merchantId);
    return row && toRecord(row);
  }

  async findById(paymentId: string, db: Db = this.#db): Promise<PaymentRecord | undefined> {
    const row = await paymentById.takeFirst(db, paymentId);
    return row && toRecord(row);
  }

  async findByReference(
    merchantId: string,
    merReferenceId: string,
    merDate: string,
  ): Promise<PaymentRecord | undefined> {
    const row = await this.#db
      .selectFrom('payments')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('mer_reference_id', '=', merReferenceId)
      .where('mer_date', '=', merDate)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /**
   * The B2B payment (`business_type` B2B) of this merchant with this mer_reference_id and mer_date,
   * whatever its state (documents/: an upload names its payment so); undefined for another
   * merchant's, a B2C one or none.
   */
  async findB2bPayment(
    merchantId: string,
    merReferenceId: string,
    merDate: string,
    db: Db = this.#db,
  ): Promise<PaymentRecord | undefined> {
    const row = await db
      .selectFrom('payments')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('mer_reference_id', '=', merReferenceId)
      .where('mer_date', '=', merDate)
      .where('business_type', '=', 'B2B')
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /**
   * Payments for an operator (CLI, console), newest first: the filters of `PaymentSearch`, and keyset
   * paging (`before`: the payments created before that one, as a row-value bound so that the index
   * seeks to it), so that a page costs the same deep in a million rows. Each statement is an
   * equality on the first column of one of migration 012's indexes (or 007's) and walks it in the
   * list's order; several states, and a search (payment id, mer_reference_id, last four digits), are
   * one statement each, whose pages are merged here (a payment found twice counts once).
   */
  async search(filter: PaymentSearch): Promise<PaymentRecord[]> {
    const branches = this.#searchStatements(filter);
    if (branches.length === 1) return (await branches[0]!.execute()).map(toRecord);
    const pages = await Promise.all(branches.map((query) => query.execute()));
    const byId = new Map<string, PaymentRecord>();
    for (const row of pages.flat()) {
      const record = toRecord(row);
      byId.set(record.id, record);
    }
    return [...byId.values()].sort(newestFirst).slice(0, filter.limit);
  }

  /**
   * The query plans of the statements `search(filter)` runs (SQLite `EXPLAIN QUERY PLAN` details,
   * PostgreSQL `EXPLAIN` lines), one text per statement: what the tests and docs/console.md check.
   */
  async searchPlans(filter: PaymentSearch, dialect: DialectName): Promise<string[]> {
    const plans: string[] = [];
    for (const query of this.#searchStatements(filter)) {
      const compiled = query.compile();
      const explain = dialect === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
      const result = await this.#db.executeQuery<Record<string, unknown>>(
        CompiledQuery.raw(explain + compiled.sql, [...compiled.parameters]),
      );
      plans.push(result.rows.map((row) => String(dialect === 'sqlite' ? row['detail'] : row['QUERY PLAN'])).join('\n'));
    }
    return plans;
  }

  #searchStatements(filter: PaymentSearch) {
    const states = [...new Set(filter.states ?? [])];
    const text = filter.text;
    // One equality per statement: each becomes the seek of one index (migration 012).
    const branches: Array<(q: PaymentSelect) => PaymentSelect> = [];
    if (text) {
      branches.push((q) => q.where('id', '=', text));
      branches.push((q) => q.where('mer_reference_id', '=', text));
      if (/^\d{4}$/.test(text)) branches.push((q) => q.where('card_last4', '=', text));
    } else if (states.length > 1) {
      for (const state of states) branches.push((q) => q.where('state', '=', state));
    } else {
      branches.push((q) => q);
    }
    return branches.map((branch) => {
      let query = branch(this.#db.selectFrom('payments').selectAll());
      if (filter.merchantId) query = query.where('merchant_id', '=', filter.merchantId);
      if (states.length === 1) query = query.where('state', '=', states[0]!);
      else if (states.length > 1 && text) query = query.where('state', 'in', states);
      if (filter.method) query = query.where('payment_method', '=', filter.method);
      if (filter.currency) query = query.where('currency', '=', filter.currency);
      if (filter.createdFrom !== undefined) query = query.where('created_at', '>=', filter.createdFrom);
      if (filter.createdBefore !== undefined) query = query.where('created_at', '<', filter.createdBefore);
      const before = filter.before;
      if (before)
        query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(before.createdAt, before.id)));
      return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit);
    });
  }

  /** Refreshes the planner's statistics of payments (PostgreSQL's autovacuum does it after a bulk load, in time). */
  async analyze(): Promise<void> {
    await sql`ANALYZE payments`.execute(this.#db);
  }

  /**
   * Inserts many payments in one transaction, in multi-row statements of a few hundred rows (the
   * seeding of bench/console-payments.ts; a payment the gateway creates goes through `insert`).
   */
  async insertMany(db: Trx, payments: readonly NewPayment[]): Promise<void> {
    for (let i = 0; i < payments.length; i += INSERT_MANY_ROWS) {
      const rows = payments.slice(i, i + INSERT_MANY_ROWS);
      await db
        .insertInto('payments')
        .values(rows.map((p) => Object.fromEntries(INSERT_COLUMNS.map((c) => [c, p[c]]))) as never)
        .execute();
    }
  }

  /** The WeChat JS-API payment of a prepay id. */
  async findByPrepayId(prepayId: string): Promise<PaymentRecord | undefined> {
    const row = await this.#db
      .selectFrom('payments')
      .selectAll()
      .where('prepay_id', '=', prepayId)
      .where('payment_method', '=', 'WECHAT_WEB')
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /**
   * Moves the payment from `from` to `to` with `changes`, only while it is still at `from` (and, when
   * given, at `guard`'s version and SMS count): the moved record, or undefined when another request
   * changed it first. The version goes up by one with every move.
   */
  async move(
    db: Trx,
    paymentId: string,
    from: PaymentPosition & { readonly version?: number; readonly smsSentCount?: number },
    to: PaymentPosition,
    changes: PaymentChanges,
    now: number,
  ): Promise<PaymentRecord | undefined> {
    let query = db
      .updateTable('payments')
      .set((eb) => ({ ...changes, state: to.state, stage: to.stage, updated_at: now, version: eb('version', '+', 1) }))
      .where('id', '=', paymentId)
      .where('state', '=', from.state)
      .where('stage', '=', from.stage);
    if (from.version !== undefined) query = query.where('version', '=', from.version);
    if (from.smsSentCount !== undefined) query = query.where('sms_sent_count', '=', from.smsSentCount);
    const row = await query.returningAll().executeTakeFirst();
    return row && toRecord(row);
  }

  /**
   * Takes one of `max` SMS code attempts before the code is compared, in one conditional update, so
   * concurrent guesses are all counted and never more than `max` are compared. Returns the attempts
   * taken so far, or undefined when none is left (or the payment is no longer waiting for a code).
   */
  async takeCodeAttempt(db: Trx, paymentId: string, max: number): Promise<number | undefined> {
    const row = await db
      .updateTable('payments')
      .set((eb) => ({ verify_failures: eb('verify_failures', '+', 1) }))
      .where('id', '=', paymentId)
      .where('state', '=', 'WAIT_BUYER_PAY')
      .where('stage', '=', 'sms_sent')
      .where('verify_failures', '<', max)
      .returning('verify_failures')
      .executeTakeFirst();
    return row && numberOf(row.verify_failures);
  }

  /** When to ask the bank again about a payment still at `stage`. */
  async askBankAgainAt(db: Trx, paymentId: string, stage: PaymentStage, at: number): Promise<void> {
    await db
      .updateTable('payments')
      .set({ bank_resolve_at: at })
      .where('id', '=', paymentId)
      .where('stage', '=', stage)
      .execute();
  }

  /** Unpaid payments past their expiry that nobody is paying (created or waiting for a code). */
  async expired(now: number, limit: number): Promise<PaymentRecord[]> {
    const rows = await this.#db
      .selectFrom('payments')
      .selectAll()
      .where('state', '=', 'WAIT_BUYER_PAY')
      .where('expire_at', '<=', now)
      .where('stage', 'in', ['created', 'sms_sent'])
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  /**
   * Payments the bank owes an answer: bank_pending past bank_resolve_at, and executions cut off (a
   * crash) while the bank was asked, `processing` since before `stalledBefore`. Two indexed lookups
   * (stage, bank_resolve_at) rather than one OR that would scan the table.
   */
  async awaitingBank(now: number, stalledBefore: number, limit: number): Promise<PaymentRecord[]> {
    const due = await this.#db
      .selectFrom('payments')
      .selectAll()
      .where('stage', '=', 'bank_pending')
      .where('bank_resolve_at', '<=', now)
      .limit(limit)
      .execute();
    const stalled = await this.#db
      .selectFrom('payments')
      .selectAll()
      .where('stage', '=', 'processing')
      .where('updated_at', '<=', stalledBefore)
      .limit(limit)
      .execute();
    return [...due, ...stalled].map(toRecord);
  }

  /**
   * Reserves `amountMinor` of a paid payment for a refund: one conditional update, so concurrent
   * refunds can never take more than the payment (`refunded_minor + amount <= amount_minor`).
   * Returns the payment's refund totals after the reservation, or undefined when it does not fit
   * (or the payment is not TRADE_SUCCESS).
   */
  async reserveRefund(db: Trx, paymentId: string, amountMinor: bigint) {
    const row = await db
      .updateTable('payments')
      .set({ refunded_minor: sql<bigint>`refunded_minor + ${amountMinor}` })
      .where('id', '=', paymentId)
      .where('state', '=', 'TRADE_SUCCESS')
      // A B2B payment's CNY is refundable once released, never while held (payments/held-funds.ts).
      .where((eb) => eb.or([eb('funds_state', 'is', null), eb('funds_state', '=', 'released')]))
      .where(sql<boolean>`refunded_minor + ${amountMinor} <= amount_minor`)
      .returning(['refunded_minor', 'refunded_cny_minor', 'amount_minor', 'total_cny_minor'])
      .executeTakeFirst();
    return (
      row && {
        refundedMinor: minorOf(row.refunded_minor),
        refundedCnyMinor: minorOf(row.refunded_cny_minor),
        amountMinor: minorOf(row.amount_minor),
        totalCnyMinor: minorOf(row.total_cny_minor),
      }
    );
  }

  /** Reserves the refund's CNY; false when it would give back more CNY than the payment took. */
  async reserveRefundCny(db: Trx, paymentId: string, cnyMinor: bigint): Promise<boolean> {
    const result = await db
      .updateTable('payments')
      .set({ refunded_cny_minor: sql<bigint>`refunded_cny_minor + ${cnyMinor}` })
      .where('id', '=', paymentId)
      .where(sql<boolean>`refunded_cny_minor + ${cnyMinor} <= total_cny_minor`)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /** Gives a failed refund's amounts back to what can be refunded; false when less is reserved. */
  async releaseRefund(db: Trx, paymentId: string, amountMinor: bigint, cnyMinor: bigint): Promise<boolean> {
    const released = await db
      .updateTable('payments')
      .set({
        refunded_minor: sql<bigint>`refunded_minor - ${amountMinor}`,
        refunded_cny_minor: sql<bigint>`refunded_cny_minor - ${cnyMinor}`,
      })
      .where('id', '=', paymentId)
      .where(sql<boolean>`refunded_minor >= ${amountMinor}`)
      .where(sql<boolean>`refunded_cny_minor >= ${cnyMinor}`)
      .executeTakeFirst();
    return released.numUpdatedRows === 1n;
  }

  // ---- B2B held funds (payments/held-funds.ts) ----------------------------------------------------

  /**
   * Releases a paid B2B payment's held CNY at `rate`, only while it is still held (a guarded update:
   * of a release and a cancellation racing, one matches). The released record, or undefined.
   */
  async releaseHeld(db: Trx, paymentId: string, now: number, rate: string): Promise<PaymentRecord | undefined> {
    const row = await db
      .updateTable('payments')
      .set((eb) => ({
        funds_state: 'released',
        funds_released_at: now,
        funds_release_rate: rate,
        updated_at: now,
        version: eb('version', '+', 1),
      }))
      .where('id', '=', paymentId)
      .where('state', '=', 'TRADE_SUCCESS')
      .where('funds_state', '=', 'held')
      .returningAll()
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /**
   * TRADE_SUCCESS -> TRADE_CANCEL of a B2B payment whose CNY is still held and whose document window
   * has passed (every condition in the WHERE clause, so an approval committed first makes it match
   * nothing); its money is owed back to the company from `now` (funds_return_retry_at).
   */
  async cancelHeld(db: Trx, paymentId: string, now: number): Promise<PaymentRecord | undefined> {
    const row = await db
      .updateTable('payments')
      .set((eb) => ({
        state: 'TRADE_CANCEL',
        funds_state: 'returned',
        failure_reason: 'documents_window_passed',
        failure_detail: null,
        funds_return_retry_at: now,
        updated_at: now,
        version: eb('version', '+', 1),
      }))
      .where('id', '=', paymentId)
      .where('state', '=', 'TRADE_SUCCESS')
      .where('stage', '=', 'done')
      .where('business_type', '=', 'B2B')
      .where('funds_state', '=', 'held')
      .where('funds_due_at', '<=', now)
      .returningAll()
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** Held B2B payments whose document window has passed (index payments_funds_due). */
  async heldPastWindow(now: number, limit: number): Promise<PaymentRecord[]> {
    const rows = await this.#db
      .selectFrom('payments')
      .selectAll()
      .where('funds_state', '=', 'held')
      .where('funds_due_at', '<=', now)
      .orderBy('funds_due_at')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  /** Cancelled B2B payments whose money has not been confirmed back yet and is due to be tried. */
  async returnsDue(now: number, limit: number): Promise<PaymentRecord[]> {
    const rows = await this.#db
      .selectFrom('payments')
      .selectAll()
      .where('funds_state', '=', 'returned')
      .where('funds_return_retry_at', '<=', now)
      .where('funds_returned_at', 'is', null)
      .orderBy('funds_return_retry_at')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  /** The bank confirmed the money back: true the first time. */
  async returnDone(db: Trx, paymentId: string, now: number): Promise<boolean> {
    const done = await db
      .updateTable('payments')
      .set({ funds_returned_at: now, funds_return_retry_at: null })
      .where('id', '=', paymentId)
      .where('funds_state', '=', 'returned')
      .where('funds_returned_at', 'is', null)
      .executeTakeFirst();
    return done.numUpdatedRows === 1n;
  }

  /** When to try a return again (after a failed or pending attempt). */
  async returnAgainAt(db: Trx, paymentId: string, at: number): Promise<void> {
    await db
      .updateTable('payments')
      .set({ funds_return_retry_at: at })
      .where('id', '=', paymentId)
      .where('funds_state', '=', 'returned')
      .where('funds_returned_at', 'is', null)
      .execute();
  }
}
