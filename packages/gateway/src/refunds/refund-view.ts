/**
 * The refund object as the API and notifications show it (objs.md `refund`, reference 3.7-3.8):
 *
 *   { id, state, parent_payment,
 *     order:  { mer_reference_id, mer_date, amount: { total, currency, total_cny, exchange_rate },
 *               refund_summary?, sub_orders? },
 *     orders: [ the same order ],            // the reference 3.7 response's shape
 *     notify_url, created_time, settle_date, execute_success_time?, error?,
 *     links: [ parent_payment, self ] }
 *
 * `order` is what objs.md and the Java client read, `orders[]` what the reference's sample shows;
 * both carry the same content. `total` is in the order currency, `total_cny` is the CNY paid back to
 * the payer at the payment's locked rate. `settle_date` is the China date the refund was accepted
 * (refund_summary: "the date of refund request submitted").
 */
import { formatAmount, formatScaled } from '../money/decimal.ts';
import { chinaDate, chinaTime } from '../time/china-time.ts';
import { failureOf } from '../errors/domain-error.ts';
import { failureView } from '../http/error-codes.ts';
import { link, type Link } from '../http/links.ts';
import type { RefundRecord } from './refund-record.ts';

/** Links of a refund: the reference's order, `parent_payment` then `self`. */
export function refundLinks(row: Pick<RefundRecord, 'id' | 'payment_id'>, api: string): Link[] {
  return [
    link('parent_payment', 'GET', `${api}/payments/payment/${row.payment_id}`),
    link('self', 'GET', `${api}/payments/refund/${row.id}`),
  ];
}

export function renderRefund(row: RefundRecord, api: string): Record<string, unknown> {
  const currency = row.currency;
  const stored = JSON.parse(row.order_json) as Record<string, unknown>;
  const { mer_reference_id, mer_date, ...rest } = stored;
  const order: Record<string, unknown> = {
    mer_reference_id,
    mer_date,
    amount: {
      total: formatAmount(row.amount_minor, currency),
      currency,
      total_cny: formatScaled(row.cny_minor, 2),
      exchange_rate: { rate: row.exchange_rate, currency },
    },
    ...rest,
  };
  const refund: Record<string, unknown> = {
    id: row.id,
    state: row.state,
    parent_payment: row.payment_id,
    order,
    orders: [order],
    notify_url: row.notify_url,
    created_time: chinaTime(row.created_at),
    settle_date: chinaDate(row.created_at),
  };
  if (row.completed_at !== null && row.state === 'REFUND_SUCCESS')
    refund.execute_success_time = chinaTime(row.completed_at);
  const failure = failureOf(row);
  if (failure) refund.error = failureView(failure);
  refund.links = refundLinks(row, api);
  return refund;
}
