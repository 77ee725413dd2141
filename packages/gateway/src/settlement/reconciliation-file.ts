/**
 * The reconciliation statement file (GET /payments/reconciliation_statement_download). The reference
 * (3.12) says only that it follows "the same logic" as the transaction list (3.11); this is that file
 * for a settle date, one line per settled item, with the settlement columns added:
 *
 *   RECONDETAIL-START,<merchant id>,<settle date>
 *   tradeNo,orderId,orderDate,platDate,platTime,currency,cb_amount,amount,exchangeRate,settleDate,transType,
 *     serviceFee,exchangeCnyAmount,exchangeAmount,settleExchangeRate,exchangeDate,refundNo      (one line per item)
 *   SETTLEMENT,<currency>,<payments>,<refunds>,<gross CNY>,<refunds CNY>,<service fee>,<net CNY>,<rate>,
 *     <exchange date>,<transfer>                                            (one line)
 *   RECONDETAIL-End,<merchant id>,<settle date>,<item count>,<net CNY of the date>
 *
 * Items: payments (transType P) then refunds (T), each by completion time, as in the statement. Amounts
 * are written with two decimals as in 3.11 (cb_amount, exchangeAmount and the transfer in the order
 * currency, the rest in CNY). exchangeCnyAmount is what the line puts into (P: CNY - fee) or takes off
 * (T: the refund's CNY) the exchange; exchangeAmount the same in the order currency at the settlement's
 * rate (settleExchangeRate: a released B2B payment's line says the rate of its release, which it was
 * exchanged at). Per currency: Σ P exchangeAmount - Σ T exchangeAmount = the SETTLEMENT line's transfer, and
 * Σ P exchangeCnyAmount - Σ T exchangeCnyAmount = its net CNY. Lines end with "\n"; a comma or line
 * break inside a field would be written as a space (file-lines.ts).
 */
import { formatScaled } from '../money/decimal.ts';
import { chinaDate, chinaTimeOfDay } from '../time/china-time.ts';
import { fileLine, twoDecimals } from '../reports/file-lines.ts';
import type { Statement } from './statement-repository.ts';

export function reconciliationFile(statement: Statement): string {
  const { merchantId, settleDate } = statement;
  let out = fileLine(['RECONDETAIL-START', merchantId, settleDate]);
  for (const p of statement.payments) {
    const s = p.settlement;
    out += fileLine([
      p.id,
      p.merReferenceId,
      p.merDate,
      chinaDate(p.successAt),
      chinaTimeOfDay(p.successAt),
      p.currency,
      twoDecimals(p.amount, p.currency),
      formatScaled(p.cny, 2),
      p.rate,
      settleDate,
      'P',
      formatScaled(p.fee, 2),
      formatScaled(p.cny - p.fee, 2),
      twoDecimals(p.settled, p.currency),
      p.exchangeRate,
      s.exchangeDate,
      '',
    ]);
  }
  for (const r of statement.refunds) {
    const s = r.settlement;
    out += fileLine([
      r.id,
      r.paymentReferenceId,
      r.paymentMerDate,
      chinaDate(r.successAt),
      chinaTimeOfDay(r.successAt),
      r.currency,
      twoDecimals(r.amount, r.currency),
      formatScaled(r.cny, 2),
      r.rate,
      settleDate,
      'T',
      '0.00',
      formatScaled(r.cny, 2),
      twoDecimals(r.settled, r.currency),
      s.exchangeRate,
      s.exchangeDate,
      r.merReferenceId,
    ]);
  }
  let netCny = 0n;
  for (const s of statement.settlements) {
    netCny += s.netCny;
    out += fileLine([
      'SETTLEMENT',
      s.currency,
      String(s.paymentCount),
      String(s.refundCount),
      formatScaled(s.grossCny, 2),
      formatScaled(s.refundCny, 2),
      formatScaled(s.fee, 2),
      formatScaled(s.netCny, 2),
      s.exchangeRate,
      s.exchangeDate,
      twoDecimals(s.net, s.currency),
    ]);
  }
  out += fileLine([
    'RECONDETAIL-End',
    merchantId,
    settleDate,
    String(statement.paymentCount + statement.refundCount),
    formatScaled(netCny, 2),
  ]);
  return out;
}
