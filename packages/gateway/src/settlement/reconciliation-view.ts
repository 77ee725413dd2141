/** The `reconciliations` object of GET /payments/reconciliation_statement (reference 3.12, 3.17). */
import { isCurrency } from '../money/currencies.ts';
import { formatAmount, formatScaled } from '../money/decimal.ts';
import { chinaTime } from '../time/china-time.ts';
import { pagination } from '../http/report-query.ts';
import type { Page } from '../store/page.ts';
import type { Statement } from './statement-repository.ts';

const cny = (minor: bigint): string => formatScaled(minor, 2);
const money = (minor: bigint, currency: string): string => formatAmount(minor, isCurrency(currency) ? currency : 'CNY');

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
      exchange_amount: amountObject(p.settled, p.cny - p.fee, p.currency, p.exchangeRate),
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
