/**
 * Every SQL statement of settlement: the runs of each settle date, the items not settled yet, the
 * settlement rows and the marking of their items (payments and refunds are settled here, once each:
 * `WHERE settlement_id IS NULL`).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Db, Trx } from '../store/database.ts';
import { minorOf, numberOf } from '../store/records.ts';

/** A payment or refund waiting to be settled: its merchant, order currency and CNY. */
export interface UnsettledItem {
  readonly id: string;
  readonly merchantId: string;
  readonly currency: string;
  readonly cnyMinor: bigint;
  /** A released B2B payment: the rate locked at its release, which its exchange uses. */
  readonly releaseRate?: string | undefined;
}

/** The transfer to one merchant for one settle date and order currency, as a run computed it. */
export interface SettlementFigures {
  readonly id: string;
  readonly merchantId: string;
  readonly currency: string;
  readonly settleDate: string;
  readonly exchangeRate: string;
  readonly paymentCount: number;
  readonly refundCount: number;
  readonly grossCnyMinor: bigint;
  readonly refundCnyMinor: bigint;
  readonly feeMinor: bigint;
  readonly netCnyMinor: bigint;
  readonly netMinor: bigint;
}

export interface NewSettlement extends SettlementFigures {
  readonly cutoffAt: number;
  readonly exchangeDate: string;
  readonly createdAt: number;
}

export class SettlementRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Marks the run of a settle date as started (again). */
  async startRun(db: Trx, settleDate: string, cutoffAt: number, now: number): Promise<void> {
    await db
      .insertInto('settlement_runs')
      .values({
        settle_date: settleDate,
        state: 'RUNNING',
        cutoff_at: cutoffAt,
        started_at: now,
        finished_at: null,
        settlement_count: 0,
      })
      .onConflict((oc) => oc.column('settle_date').doUpdateSet({ state: 'RUNNING', started_at: now }))
      .execute();
  }

  /** Marks the run done, with the number of settlements the date now has. */
  async finishRun(db: Trx, settleDate: string, cutoffAt: number, now: number): Promise<void> {
    const count = await db
      .selectFrom('settlements')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('settle_date', '=', settleDate)
      .executeTakeFirst();
    await db
      .updateTable('settlement_runs')
      .set({ state: 'DONE', finished_at: now, settlement_count: numberOf(count?.n ?? 0), cutoff_at: cutoffAt })
      .where('settle_date', '=', settleDate)
      .execute();
  }

  async runIsDone(settleDate: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('settlement_runs')
      .select('state')
      .where('settle_date', '=', settleDate)
      .executeTakeFirst();
    return row?.state === 'DONE';
  }

  /**
   * Paid payments completed before the cut-off and not settled yet, oldest first. A B2B payment is
   * completed when its held CNY is released (documents approved), never while held or once returned.
   */
  async unsettledPayments(cutoffAt: number): Promise<UnsettledItem[]> {
    const rows = await this.#db
      .selectFrom('payments')
      .select(['id', 'merchant_id', 'currency', 'total_cny_minor', 'funds_release_rate'])
      .where('state', '=', 'TRADE_SUCCESS')
      .where('settlement_id', 'is', null)
      .where('execute_success_at', '<', cutoffAt)
      .where((eb) =>
        eb.or([
          eb('funds_state', 'is', null),
          eb.and([eb('funds_state', '=', 'released'), eb('funds_released_at', '<', cutoffAt)]),
        ]),
      )
      .orderBy('execute_success_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      merchantId: r.merchant_id,
      currency: r.currency,
      cnyMinor: minorOf(r.total_cny_minor),
      ...(r.funds_release_rate ? { releaseRate: r.funds_release_rate } : {}),
    }));
  }

  /** Successful refunds completed before the cut-off and not settled yet, oldest first. */
  async unsettledRefunds(cutoffAt: number): Promise<UnsettledItem[]> {
    const rows = await this.#db
      .selectFrom('refunds')
      .select(['id', 'merchant_id', 'currency', 'cny_minor'])
      .where('state', '=', 'REFUND_SUCCESS')
      .where('settlement_id', 'is', null)
      .where('completed_at', '<', cutoffAt)
      .orderBy('completed_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      merchantId: r.merchant_id,
      currency: r.currency,
      cnyMinor: minorOf(r.cny_minor),
    }));
  }

  /** The merchant's settlement of a date and currency, if it has one (at most one: unique). */
  async existing(db: Db, merchantId: string, settleDate: string, currency: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('settlements')
      .select('id')
      .where('merchant_id', '=', merchantId)
      .where('settle_date', '=', settleDate)
      .where('currency', '=', currency)
      .executeTakeFirst();
    return row?.id;
  }

  async insert(db: Trx, s: NewSettlement): Promise<void> {
    await db
      .insertInto('settlements')
      .values({
        id: s.id,
        merchant_id: s.merchantId,
        settle_date: s.settleDate,
        currency: s.currency,
        cutoff_at: s.cutoffAt,
        exchange_rate: s.exchangeRate,
        exchange_date: s.exchangeDate,
        payment_count: s.paymentCount,
        refund_count: s.refundCount,
        gross_cny_minor: s.grossCnyMinor,
        refund_cny_minor: s.refundCnyMinor,
        fee_minor: s.feeMinor,
        net_cny_minor: s.netCnyMinor,
        net_minor: s.netMinor,
        created_at: s.createdAt,
      })
      .execute();
  }

  /** Settles a paid payment with its fee and exchanged amount; false when it was settled already. */
  async settlePayment(db: Trx, paymentId: string, settlementId: string, feeMinor: bigint, settledMinor: bigint) {
    const r = await db
      .updateTable('payments')
      .set({ settlement_id: settlementId, service_fee_minor: feeMinor, settled_minor: settledMinor })
      .where('id', '=', paymentId)
      .where('state', '=', 'TRADE_SUCCESS')
      .where('settlement_id', 'is', null)
      .where((eb) => eb.or([eb('funds_state', 'is', null), eb('funds_state', '=', 'released')]))
      .executeTakeFirst();
    return r.numUpdatedRows === 1n;
  }

  /** Settles a successful refund with its exchanged amount; false when it was settled already. */
  async settleRefund(db: Trx, refundId: string, settlementId: string, settledMinor: bigint) {
    const r = await db
      .updateTable('refunds')
      .set({ settlement_id: settlementId, settled_minor: settledMinor })
      .where('id', '=', refundId)
      .where('state', '=', 'REFUND_SUCCESS')
      .where('settlement_id', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows === 1n;
  }
}
