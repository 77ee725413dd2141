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
 * CNY amounts have two decimals ("356.31"). No field can hold a comma or a line break: the ids are
 * restricted when they are accepted (customs-request.ts, payment-request.ts), and this module
 * refuses to write a field that would break the format rather than emit a corrupt line.
 */
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

const CHINA_OFFSET_MS = 8 * 3600_000;

/** yyyyMMddHHmmss in China time. */
export function chinaTimestamp(epochMs: number): string {
  return new Date(epochMs + CHINA_OFFSET_MS).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

function field(value: string, name: string): string {
  if (/[,\r\n]/.test(value)) throw new Error(`customs file: ${name} ${JSON.stringify(value)} holds a comma or a line break`);
  return value;
}

function line(fields: ReadonlyArray<readonly [string, string]>): string {
  return fields.map(([name, value]) => field(value, name)).join(',') + '\n';
}

/** The whole file for one merchant and date; `lines` in the order they are written. */
export function customsFile(merchantId: string, customsDate: string, lines: readonly CustomsFileLine[]): string {
  let out = line([['record', 'CUSTOMSDETAIL-START'], ['merchant id', merchantId], ['customs date', customsDate]]);
  for (const l of lines) {
    out += line([
      ['declaration id', l.declarationId],
      ['payment id', l.paymentId],
      ['mer_reference_id', l.merReferenceId],
      ['mer_date', l.merDate],
      ['mer_sub_reference_id', l.merSubReferenceId],
      ['customs_id', l.customsId],
      ['mer_customs_code', l.merCustomsCode],
      ['ec_plat_id', l.ecPlatId],
      ['sub_order_amount', l.subOrderCny],
      ['freight_amount', l.freightCny],
      ['tax_amount', l.taxCny],
      ['state', l.state],
      ['customs_clearance_date', l.customsClearanceDate],
      ['updated', chinaTimestamp(l.updatedAt)],
    ]);
  }
  out += line([['record', 'CUSTOMSDETAIL-End'], ['merchant id', merchantId], ['customs date', customsDate], ['count', String(lines.length)]]);
  return out;
}
