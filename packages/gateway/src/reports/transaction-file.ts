/**
 * The daily transaction file (reference 3.11, GET /payments/transactions_download): the same
 * transactions, in the same order, as the 3.16 list of that merchant date.
 *
 *   TRANSDETAIL-START,<merchant id>,<mer_date>
 *   <tradeNo>,<mobileId>,<orderId>,<orderDate>,<platDate>,<platTime>,<currency>,<cb_amount>,<amount>,
 *     <exchangeRate>,<transState>,<transType>,<productId>,<refundNo>      (one line)
 *   ...
 *   TRANSDETAIL-End,<merchant id>,<mer_date>,<total>
 *
 * Rules:
 * - the 14 fields of a line follow the reference's field TABLE. The prose line above that table
 *   names 15 (an extra "reconciliation date" before the status); the table, which numbers and
 *   describes every field, is what this file follows.
 * - tradeNo: the payment id, or the refund id for a refund. orderId / orderDate: the payment's order
 *   number and mer_date (for a refund, its parent payment's). platDate (YYYYMMDD) / platTime (HHmmss):
 *   China time of the payment's success or the refund's completion. cb_amount (order currency) and
 *   amount (CNY) with two decimal places, as the table says, whatever the currency's digits
 *   (JPY 1000 is "1000.00"). exchangeRate: the payment's locked rate as stored. transState: 0
 *   (success; only successful transactions are listed). transType: P payment, T refund. productId:
 *   the UMF product the payment was made with. refundNo: the merchant's refund number
 *   (`mer_reference_id` of the refund), empty for a payment.
 * - total of the End line: CNY of the P lines minus CNY of the T lines, two decimals (negative when
 *   the day's refunds exceed its payments).
 * - every line ends with "\n", the End line too. A field never holds a comma or a line break (ids are
 *   restricted to [A-Za-z0-9_.-]; any such character would be written as a space: file-lines.ts).
 * - money is bigint minor units throughout.
 */
import { formatScaled } from '../money/decimal.ts';
import { chinaDate, chinaTimeOfDay } from '../time/china-time.ts';
import type { Transaction } from './transaction-repository.ts';
import { fileLine, twoDecimals } from './file-lines.ts';

export const FILE_START = 'TRANSDETAIL-START';
export const FILE_END = 'TRANSDETAIL-End';

/** The line of a transaction (with its line end). */
export function transactionLine(t: Transaction): string {
  return fileLine([
    t.id,
    t.phone,
    t.orderId,
    t.orderDate,
    chinaDate(t.successAt),
    chinaTimeOfDay(t.successAt),
    t.currency,
    twoDecimals(t.amountMinor, t.currency),
    formatScaled(t.cnyMinor, 2),
    t.exchangeRate,
    '0',
    t.kind === 'payment' ? 'P' : 'T',
    t.productId,
    t.kind === 'refund' ? t.refundNo : '',
  ]);
}

export function transactionFileName(merchantId: string, merDate: string): string {
  return `TRANS_${merchantId}_${merDate}.txt`;
}

/** The whole file of a merchant date from its transactions in list order. */
export async function buildTransactionFile(
  merchantId: string,
  merDate: string,
  transactions: AsyncIterable<Transaction>,
): Promise<{ filename: string; body: string }> {
  let body = fileLine([FILE_START, merchantId, merDate]);
  let net = 0n;
  for await (const t of transactions) {
    body += transactionLine(t);
    net += t.kind === 'payment' ? t.cnyMinor : -t.cnyMinor;
  }
  body += fileLine([FILE_END, merchantId, merDate, formatScaled(net, 2)]);
  return { filename: transactionFileName(merchantId, merDate), body };
}
