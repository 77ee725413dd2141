/** The summaries of the transaction list (objs.md payment_summary / refund_summary, reference 3.16). */
import { formatAmount, formatScaled } from '../money/decimal.ts';
import { chinaTime } from '../time/china-time.ts';
import type { PaymentTransaction, RefundTransaction, Transaction } from './transaction-repository.ts';

function amountView(t: Transaction): Record<string, string> {
  return {
    total: formatAmount(t.amountMinor, t.currency),
    total_cny: formatScaled(t.cnyMinor, 2),
    currency: t.currency,
    exchange_rate: t.exchangeRate,
  };
}

/** objs.md payment_summary, as in a transactions object. */
export function paymentSummary(t: PaymentTransaction): Record<string, unknown> {
  return {
    payment_id: t.id,
    phone_number: t.phone,
    order_date: t.orderDate,
    mer_reference_id: t.orderId,
    amount: amountView(t),
    settle_date: t.settleDate,
    execute_success_time: chinaTime(t.successAt),
    state: t.state,
    product_id: t.productId,
  };
}

/** objs.md refund_summary, as in a transactions object, with the merchant's refund number. */
export function refundSummary(t: RefundTransaction): Record<string, unknown> {
  const summary: Record<string, unknown> = {
    refund_id: t.id,
    payment_id: t.paymentId,
    phone_number: t.phone,
    amount: amountView(t),
    settle_date: t.settleDate,
    execute_success_time: chinaTime(t.successAt),
    state: t.state,
    mer_reference_id: t.refundNo,
    mer_date: t.refundDate,
  };
  if (t.merSubReferenceId !== undefined) summary.mer_sub_reference_id = t.merSubReferenceId;
  return summary;
}
