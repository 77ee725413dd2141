/**
 * A merchant's transactions of one merchant date (reference 3.16 list, 3.11 file): what is listed,
 * in which order, and how each one is summarised.
 *
 * Rules:
 * - listed: the merchant's payments with `mer_date = D` in TRADE_SUCCESS (a payment refunded later
 *   stays listed as a payment), then the merchant's refunds whose own `mer_date` (the date of the
 *   merchant's refund number) is D in REFUND_SUCCESS, whatever the date of the refunded payment.
 *   Unpaid, closed, failed payments and processing or failed refunds are not transactions.
 * - order: payments by (time of success, id), then refunds by (time of success, id). The list pages
 *   slice that concatenation (a page may hold the tail of the payments and the head of the refunds);
 *   `total_count` is payments + refunds. Pages are read with COUNT and LIMIT/OFFSET queries on the
 *   (merchant_id, mer_date) indexes, never by loading the day.
 * - summaries (objs.md payment_summary / refund_summary): amounts are decimal strings, `total` with
 *   the currency's digits, `total_cny` with two, `exchange_rate` the payment's locked rate as stored.
 *   A refund summary also carries the merchant's refund number (`mer_reference_id`, `mer_date`) and
 *   `mer_sub_reference_id` when the refund names exactly one sub-order.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { minorOf, numberOf } from '../store/records.ts';
import { isCurrency, type Currency } from '../money/currencies.ts';
import { chinaDate } from '../time/china-time.ts';
import type { Page } from '../store/page.ts';
import { productIdOf } from './product-ids.ts';

/** What both kinds of transaction have. */
interface TransactionBase {
  readonly id: string;
  readonly paymentId: string;
  /** The payer's phone ("" when the payment has none). */
  readonly phone: string;
  /** The payment's order number and date (for a refund: its parent payment's). */
  readonly orderId: string;
  readonly orderDate: string;
  readonly currency: Currency;
  /** In minor units of `currency`. */
  readonly amountMinor: bigint;
  /** CNY fen. */
  readonly cnyMinor: bigint;
  /** The payment's locked rate as stored (CNY per one unit of `currency`). */
  readonly exchangeRate: string;
  /** YYYYMMDD. */
  readonly settleDate: string;
  /** Epoch ms of the payment's success / the refund's completion. */
  readonly successAt: number;
  readonly state: string;
  readonly productId: string;
}

export interface PaymentTransaction extends TransactionBase {
  readonly kind: 'payment';
}

export interface RefundTransaction extends TransactionBase {
  readonly kind: 'refund';
  /** The merchant's refund number: `mer_reference_id` + `mer_date` of the refund. */
  readonly refundNo: string;
  readonly refundDate: string;
  readonly merSubReferenceId: string | undefined;
}

export type Transaction = PaymentTransaction | RefundTransaction;

export interface TransactionPage {
  readonly payments: readonly PaymentTransaction[];
  readonly refunds: readonly RefundTransaction[];
  readonly totalCount: number;
}

type Int = number | string | bigint;

function currencyOf(code: string, id: string): Currency {
  if (!isCurrency(code)) throw new Error(`transaction ${id} has an unknown currency ${JSON.stringify(code)}`);
  return code;
}

/** The single sub-order a refund names, if it names exactly one. */
function singleSubOrder(orderJson: string): string | undefined {
  const order = JSON.parse(orderJson) as { sub_orders?: unknown };
  if (!Array.isArray(order.sub_orders) || order.sub_orders.length !== 1) return undefined;
  const id = (order.sub_orders[0] as { mer_sub_reference_id?: unknown } | null)?.mer_sub_reference_id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** The day's transactions of one merchant: every SQL statement of the 3.16 list and the 3.11 file. */
export class TransactionRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  #payments(merchantId: string, merDate: string) {
    return this.#db
      .selectFrom('payments')
      .where('merchant_id', '=', merchantId)
      .where('mer_date', '=', merDate)
      .where('state', '=', 'TRADE_SUCCESS');
  }

  #refunds(merchantId: string, merDate: string) {
    return this.#db
      .selectFrom('refunds as r')
      .where('r.merchant_id', '=', merchantId)
      .where('r.mer_date', '=', merDate)
      .where('r.state', '=', 'REFUND_SUCCESS');
  }

  async count(merchantId: string, merDate: string): Promise<{ payments: number; refunds: number }> {
    const [p, r] = await Promise.all([
      this.#payments(merchantId, merDate)
        .select((eb) => eb.fn.countAll<Int>().as('n'))
        .executeTakeFirstOrThrow(),
      this.#refunds(merchantId, merDate)
        .select((eb) => eb.fn.countAll<Int>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return { payments: numberOf(p.n), refunds: numberOf(r.n) };
  }

  /** Payments `offset` .. `offset + limit` of the day, in list order. */
  async payments(merchantId: string, merDate: string, offset: number, limit: number): Promise<PaymentTransaction[]> {
    if (limit <= 0) return [];
    const rows = await this.#payments(merchantId, merDate)
      .select([
        'id',
        'phone',
        'mer_reference_id',
        'mer_date',
        'currency',
        'amount_minor',
        'total_cny_minor',
        'exchange_rate',
        'settle_date',
        'state',
        'payment_method',
        'channel',
      ])
      .select(sql<Int>`coalesce(execute_success_at, updated_at)`.as('success_at'))
      .orderBy('success_at')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map((row) => {
      const successAt = numberOf(row.success_at);
      return {
        kind: 'payment',
        id: row.id,
        paymentId: row.id,
        phone: row.phone ?? '',
        orderId: row.mer_reference_id,
        orderDate: row.mer_date,
        currency: currencyOf(row.currency, row.id),
        amountMinor: minorOf(row.amount_minor),
        cnyMinor: minorOf(row.total_cny_minor),
        exchangeRate: row.exchange_rate,
        settleDate: row.settle_date ?? chinaDate(successAt),
        successAt,
        state: row.state,
        productId: productIdOf(row),
      };
    });
  }

  /** Refunds `offset` .. `offset + limit` of the day, in list order. */
  async refunds(merchantId: string, merDate: string, offset: number, limit: number): Promise<RefundTransaction[]> {
    if (limit <= 0) return [];
    const rows = await this.#refunds(merchantId, merDate)
      .innerJoin('payments as p', 'p.id', 'r.payment_id')
      .select([
        'r.id',
        'r.payment_id',
        'r.mer_reference_id',
        'r.mer_date',
        'r.currency',
        'r.amount_minor',
        'r.cny_minor',
        'r.exchange_rate',
        'r.created_at',
        'r.state',
        'r.order_json',
      ])
      .select([
        'p.phone',
        'p.mer_reference_id as payment_reference_id',
        'p.mer_date as payment_date',
        'p.payment_method',
        'p.channel',
      ])
      .select(sql<Int>`coalesce(r.completed_at, r.updated_at)`.as('success_at'))
      .orderBy('success_at')
      .orderBy('r.id')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map((row) => ({
      kind: 'refund',
      id: row.id,
      paymentId: row.payment_id,
      phone: row.phone ?? '',
      orderId: row.payment_reference_id,
      orderDate: row.payment_date,
      currency: currencyOf(row.currency, row.id),
      amountMinor: minorOf(row.amount_minor),
      cnyMinor: minorOf(row.cny_minor),
      exchangeRate: row.exchange_rate,
      settleDate: chinaDate(numberOf(row.created_at)),
      successAt: numberOf(row.success_at),
      state: row.state,
      productId: productIdOf(row),
      refundNo: row.mer_reference_id,
      refundDate: row.mer_date,
      merSubReferenceId: singleSubOrder(row.order_json),
    }));
  }

  /** One page of the concatenation payments ++ refunds. */
  async page(merchantId: string, merDate: string, page: Page): Promise<TransactionPage> {
    const counts = await this.count(merchantId, merDate);
    const paymentLimit = Math.max(0, Math.min(page.pageSize, counts.payments - page.offset));
    const refundOffset = Math.max(0, page.offset - counts.payments);
    // Both windows follow from the counts, so both are read at once.
    const [payments, refunds] = await Promise.all([
      this.payments(merchantId, merDate, page.offset, paymentLimit),
      this.refunds(merchantId, merDate, refundOffset, page.pageSize - paymentLimit),
    ]);
    return { payments, refunds, totalCount: counts.payments + counts.refunds };
  }

  /** Every transaction of the day in list order, read `batchSize` rows at a time. */
  async *all(merchantId: string, merDate: string, batchSize = 1000): AsyncGenerator<Transaction> {
    for (let offset = 0; ; offset += batchSize) {
      const batch = await this.payments(merchantId, merDate, offset, batchSize);
      yield* batch;
      if (batch.length < batchSize) break;
    }
    for (let offset = 0; ; offset += batchSize) {
      const batch = await this.refunds(merchantId, merDate, offset, batchSize);
      yield* batch;
      if (batch.length < batchSize) break;
    }
  }
}
