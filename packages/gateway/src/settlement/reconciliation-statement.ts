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
import { toMinor } from '../store/schema.ts';
import { RET, UmfError } from '../errors/catalogue.ts';
import { isCurrency, type Currency } from '../money/currencies.ts';
import { formatAmount, formatScaled } from '../money/decimal.ts';
import { chinaDate, chinaTime } from '../time/china-time.ts';
import { productIdOf } from '../reports/product-ids.ts';
import { pagination, type Page } from '../http/report-query.ts';

const cny = (minor: bigint): string => formatScaled(minor, 2);
const money = (minor: bigint, currency: string): string =>
  formatAmount(minor, isCurrency(currency) ? currency : ('CNY' as Currency));

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

/**
 * The statement of `settleDate` for a merchant, items sliced by `page` (all items without one).
 * 00060773 when nothing was settled to the merchant on that date.
 */
export async function loadStatement(
  db: Kysely<Database>,
  merchantId: string,
  settleDate: string,
  page?: Page,
): Promise<Statement> {
  const rows = await db
    .selectFrom('settlements')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('settle_date', '=', settleDate)
    .orderBy('currency')
    .execute();
  if (rows.length === 0) throw new UmfError(RET.RECONCILIATION_NOT_FOUND, settleDate);
  const settlements = new Map<string, SettlementView>(
    rows.map((s) => [
      s.id,
      {
        id: s.id,
        currency: s.currency,
        exchangeRate: s.exchange_rate,
        exchangeDate: s.exchange_date,
        paymentCount: Number(s.payment_count),
        refundCount: Number(s.refund_count),
        grossCny: toMinor(s.gross_cny_minor),
        refundCny: toMinor(s.refund_cny_minor),
        fee: toMinor(s.fee_minor),
        netCny: toMinor(s.net_cny_minor),
        net: toMinor(s.net_minor),
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
    amount: toMinor(p.amount_minor),
    cny: toMinor(p.total_cny_minor),
    rate: p.exchange_rate,
    settleDate: p.settle_date ?? chinaDate(Number(p.execute_success_at)),
    successAt: Number(p.execute_success_at),
    state: p.state,
    productId: productIdOf(p),
    fee: toMinor(p.service_fee_minor ?? 0),
    settled: toMinor(p.settled_minor ?? 0),
    settlement: settlements.get(p.settlement_id!)!,
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
      amount: toMinor(r.amount_minor),
      cny: toMinor(r.cny_minor),
      rate: r.exchange_rate,
      settleDate: chinaDate(Number(r.created_at)),
      successAt: Number(r.completed_at),
      state: r.state,
      productId: productIdOf(r),
      settled: toMinor(r.settled_minor ?? 0),
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

function amountObject(minor: bigint, cnyMinor: bigint, currency: string, rate: string): Record<string, string> {
  return { total: money(minor, currency), total_cny: cny(cnyMinor), currency, exchange_rate: rate };
}

/** The `reconciliations` object of GET /payments/reconciliation_statement. */
export function renderStatement(statement: Statement, page: Page): Record<string, unknown> {
  const { settlements } = statement;
  const netCny = settlements.reduce((s, x) => s + x.netCny, 0n);
  const only = settlements.length === 1 ? settlements[0]! : undefined;
  return {
    settle_date: statement.settleDate,
    amount: only ? amountObject(only.net, only.netCny, only.currency, only.exchangeRate) : { total_cny: cny(netCny) },
    settlements: settlements.map((s) => ({
      settlement_id: s.id,
      currency: s.currency,
      exchange_rate: s.exchangeRate,
      exchange_date: s.exchangeDate,
      payment_count: s.paymentCount,
      refund_count: s.refundCount,
      gross_cny: cny(s.grossCny),
      refund_cny: cny(s.refundCny),
      service_fee: cny(s.fee),
      net_cny: cny(s.netCny),
      amount: amountObject(s.net, s.netCny, s.currency, s.exchangeRate),
    })),
    payment_summaries: statement.payments.map((p) => ({
      payment_id: p.id,
      order_date: p.merDate,
      mer_reference_id: p.merReferenceId,
      amount: amountObject(p.amount, p.cny, p.currency, p.rate),
      settle_date: p.settleDate,
      execute_success_time: chinaTime(p.successAt),
      state: p.state,
      product_id: p.productId,
      service_fee: cny(p.fee),
      exchange_amount: amountObject(p.settled, p.cny - p.fee, p.currency, p.settlement.exchangeRate),
      exchange_date: p.settlement.exchangeDate,
    })),
    refund_summaries: statement.refunds.map((r) => {
      const summary: Record<string, unknown> = {
        refund_id: r.id,
        payment_id: r.paymentId,
        phone_number: r.phone,
        amount: amountObject(r.amount, r.cny, r.currency, r.rate),
        settle_date: r.settleDate,
        execute_success_time: chinaTime(r.successAt),
        state: r.state,
        product_id: r.productId,
        mer_reference_id: r.merReferenceId,
        mer_date: r.merDate,
        exchange_amount: amountObject(r.settled, r.cny, r.currency, r.settlement.exchangeRate),
        exchange_date: r.settlement.exchangeDate,
      };
      if (r.subOrderId !== undefined) summary.mer_sub_reference_id = r.subOrderId;
      return summary;
    }),
    pagination: pagination(page, statement.paymentCount + statement.refundCount),
  };
}
