/**
 * The customs list download file (GET /payments/customs_download?customs_date=YYYYMMDD): the
 * reference gives no format, so this one follows the transaction list of reference 3.11. Plain
 * text, comma-separated, one line per declaration the merchant made on that China date, oldest
 * first; every line ends with "\n" (so the file ends with a newline):
 *
 *   CUSTOMSDETAIL-START,<merchant id>,<customs date>
 *   <declaration id>,<payment id>,<mer_reference_id>,<order mer_date>,<mer_sub_reference_id>,
 *     <customs_id>,<mer_customs_code>,<ec_plat_id>,<sub_order_amount CNY>,<freight CNY>,<tax CNY>,
 *     <state>,<customs_clearance_date>,<last update yyyyMMddHHmmss, China time>
 *   CUSTOMSDETAIL-End,<merchant id>,<customs date>,<number of declarations>
 *
 * CNY amounts have two decimals ("356.31"). No field holds a comma or a line break: the ids are
 * restricted when they are accepted (customs-request.ts, payment-request.ts), and any such character
 * would be written as a space (reports/file-lines.ts, the policy of every download file).
 */
import { chinaTimestamp } from '../time/china-time.ts';
import { fileLine } from '../reports/file-lines.ts';

export interface CustomsFileLine {
  readonly declarationId: string;
  readonly paymentId: string;
  readonly merReferenceId: string;
  readonly merDate: string;
  readonly merSubReferenceId: string;
  readonly customsId: string;
  readonly merCustomsCode: string;
  readonly ecPlatId: string;
  /** CNY with two decimals. */
  readonly subOrderCny: string;
  readonly freightCny: string;
  readonly taxCny: string;
  readonly state: string;
  readonly customsClearanceDate: string;
  /** Epoch milliseconds. */
  readonly updatedAt: number;
}

/** The whole file for one merchant and date; `lines` in the order they are written. */
export function customsFile(merchantId: string, customsDate: string, lines: readonly CustomsFileLine[]): string {
  let out = fileLine(['CUSTOMSDETAIL-START', merchantId, customsDate]);
  for (const l of lines) {
    out += fileLine([
      l.declarationId,
      l.paymentId,
      l.merReferenceId,
      l.merDate,
      l.merSubReferenceId,
      l.customsId,
      l.merCustomsCode,
      l.ecPlatId,
      l.subOrderCny,
      l.freightCny,
      l.taxCny,
      l.state,
      l.customsClearanceDate,
      chinaTimestamp(l.updatedAt),
    ]);
  }
  out += fileLine(['CUSTOMSDETAIL-End', merchantId, customsDate, String(lines.length)]);
  return out;
}
