/**
 * Reconciliation statements (reference 3.12, 3.17): what one settle date transferred to a merchant and
 * what each transfer is made of: every payment (with its service fee and its exchanged amount) and
 * every refund (taken off the transfer).
 *
 *   { settle_date,
 *     amount: { total, total_cny, currency, exchange_rate },   // the transfer (one currency)
 *     settlements: [ { settlement_id, currency, exchange_rate, exchange_date, payment_count, refund_count,
 *                      gross_cny, refund_cny, service_fee, net_cny, amount } ],   // one per order currency
 *     payment_summaries: [...], refund_summaries: [...], pagination }
 *
 * `amount.total_cny` is the CNY exchanged (gross - refunds - fees), `amount.total` what the merchant
 * received. With several order currencies on one date, `amount` carries only `total_cny` (their sum)
 * and `settlements` one transfer per currency. Items are listed payments first, by completion time,
 * then refunds; pages slice that list (default page size 500).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { minorOf, numberOf } from '../store/records.ts';
import type { Page } from '../store/page.ts';
import { refuse } from '../errors/domain-error.ts';
import { chinaDate } from '../time/china-time.ts';
import { productIdOf } from '../reports/product-ids.ts';

export interface SettlementView {
  readonly id: string;
  readonly currency: string;
  readonly exchangeRate: string;
  readonly exchangeDate: string;
  readonly paymentCount: number;
  readonly refundCount: number;
  readonly grossCny: bigint;
  readonly refundCny: bigint;
  readonly fee: bigint;
  readonly netCny: bigint;
  readonly net: bigint;
}

/** What every line of a statement has: its item, its amounts and its settlement. */
interface StatementLine {
  readonly id: string;
  readonly merReferenceId: string;
  readonly merDate: string;
  readonly phone: string;
  readonly currency: string;
  readonly amount: bigint;
  readonly cny: bigint;
  readonly rate: string;
  readonly settleDate: string;
  readonly successAt: number;
  readonly state: string;
  readonly productId: string;
  readonly settled: bigint;
  readonly settlement: SettlementView;
}

/** A payment line of a statement, with its settlement. */
export interface SettledPayment extends StatementLine {
  readonly fee: bigint;
  /** The rate the payment was exchanged at: a B2B payment's release rate, else its settlement's. */
  readonly exchangeRate: string;
}

/** A refund line of a statement, with its parent payment and settlement. */
export interface SettledRefund extends StatementLine {
  readonly paymentId: string;
  readonly paymentReferenceId: string;
  readonly paymentMerDate: string;
  readonly subOrderId: string | undefined;
}

export interface Statement {
  readonly merchantId: string;
  readonly settleDate: string;
  readonly settlements: readonly SettlementView[];
  readonly paymentCount: number;
  readonly refundCount: number;
  readonly payments: readonly SettledPayment[];
  readonly refunds: readonly SettledRefund[];
}

/** Every SQL statement of the reconciliation statements. */
export class StatementRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * The statement of `settleDate` for a merchant, items sliced by `page` (all items without one);
   * `statement_not_found` when nothing was settled to the merchant on that date.
   */
  async load(merchantId: string, settleDate: string, page?: Page): Promise<Statement> {
    const db = this.#db;
    const rows = await db
      .selectFrom('settlements')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('settle_date', '=', settleDate)
      .orderBy('currency')
      .execute();
    if (rows.length === 0) refuse('statement_not_found', settleDate);
    const settlements = new Map<string, SettlementView>(
      rows.map((s) => [
        s.id,
        {
          id: s.id,
          currency: s.currency,
          exchangeRate: s.exchange_rate,
          exchangeDate: s.exchange_date,
          paymentCount: numberOf(s.payment_count),
          refundCount: numberOf(s.refund_count),
          grossCny: minorOf(s.gross_cny_minor),
          refundCny: minorOf(s.refund_cny_minor),
          fee: minorOf(s.fee_minor),
          netCny: minorOf(s.net_cny_minor),
          net: minorOf(s.net_minor),
        },
      ]),
    );
    const ids = [...settlements.keys()];
    const paymentCount = [...settlements.values()].reduce((n, s) => n + s.paymentCount, 0);
    const refundCount = [...settlements.values()].reduce((n, s) => n + s.refundCount, 0);

    // Payments first, then refunds: the page's window over each.
    const offset = page?.offset ?? 0;
    const limit = page?.pageSize ?? paymentCount + refundCount;
    const paymentSkip = Math.min(offset, paymentCount);
    const paymentTake = Math.max(0, Math.min(limit, paymentCount - paymentSkip));
    const refundSkip = Math.max(0, offset - paymentCount);
    const refundTake = Math.max(0, limit - paymentTake);

    // Both windows follow from the counts, so both are read at once.
    const [paymentRows, refundRows] = await Promise.all([
      paymentTake === 0
        ? []
        : db
            .selectFrom('payments')
            .select([
              'id',
              'mer_reference_id',
              'mer_date',
              'phone',
              'currency',
              'amount_minor',
              'total_cny_minor',
              'exchange_rate',
              'settle_date',
              'execute_success_at',
              'state',
              'payment_method',
              'channel',
              'service_fee_minor',
              'settled_minor',
              'settlement_id',
              'funds_release_rate',
            ])
            .where('settlement_id', 'in', ids)
            .orderBy('execute_success_at')
            .orderBy('id')
            .limit(paymentTake)
            .offset(paymentSkip)
            .execute(),
      refundTake === 0 || refundSkip >= refundCount
        ? []
        : db
            .selectFrom('refunds as r')
            .innerJoin('payments as p', 'p.id', 'r.payment_id')
            .select([
              'r.id',
              'r.payment_id',
              'r.mer_reference_id',
              'r.mer_date',
              'r.order_json',
              'r.currency',
              'r.amount_minor',
              'r.cny_minor',
              'r.exchange_rate',
              'r.created_at',
              'r.completed_at',
              'r.state',
              'r.settled_minor',
              'r.settlement_id',
              'p.mer_reference_id as payment_reference_id',
              'p.mer_date as payment_mer_date',
              'p.phone',
              'p.payment_method',
              'p.channel',
            ])
            .where('r.settlement_id', 'in', ids)
            .orderBy('r.completed_at')
            .orderBy('r.id')
            .limit(refundTake)
            .offset(refundSkip)
            .execute(),
    ]);

    const payments: SettledPayment[] = paymentRows.map((p) => ({
      id: p.id,
      merReferenceId: p.mer_reference_id,
      merDate: p.mer_date,
      phone: p.phone ?? '',
      currency: p.currency,
      amount: minorOf(p.amount_minor),
      cny: minorOf(p.total_cny_minor),
      rate: p.exchange_rate,
      settleDate: p.settle_date ?? chinaDate(numberOf(p.execute_success_at!)),
      successAt: numberOf(p.execute_success_at!),
      state: p.state,
      productId: productIdOf(p),
      fee: minorOf(p.service_fee_minor ?? 0),
      settled: minorOf(p.settled_minor ?? 0),
      settlement: settlements.get(p.settlement_id!)!,
      exchangeRate: p.funds_release_rate ?? settlements.get(p.settlement_id!)!.exchangeRate,
    }));
    const refunds: SettledRefund[] = refundRows.map((r) => {
      const order = JSON.parse(r.order_json) as { sub_orders?: Array<{ mer_sub_reference_id?: string }> };
      const subOrders = Array.isArray(order.sub_orders) ? order.sub_orders : [];
      return {
        id: r.id,
        paymentId: r.payment_id,
        merReferenceId: r.mer_reference_id,
        merDate: r.mer_date,
        paymentReferenceId: r.payment_reference_id,
        paymentMerDate: r.payment_mer_date,
        subOrderId: subOrders.length === 1 ? subOrders[0]?.mer_sub_reference_id : undefined,
        phone: r.phone ?? '',
        currency: r.currency,
        amount: minorOf(r.amount_minor),
        cny: minorOf(r.cny_minor),
        rate: r.exchange_rate,
        settleDate: chinaDate(numberOf(r.created_at)),
        successAt: numberOf(r.completed_at!),
        state: r.state,
        productId: productIdOf(r),
        settled: minorOf(r.settled_minor ?? 0),
        settlement: settlements.get(r.settlement_id!)!,
      };
    });
    return {
      merchantId,
      settleDate,
      settlements: [...settlements.values()],
      paymentCount,
      refundCount,
      payments,
      refunds,
    };
  }
}
