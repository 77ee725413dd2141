/**
 * Transaction (trading) codes for sub_order.items trans_code.
 *
 * Source: UMF API reference, appendix.md, "Transaction encoding and transaction
 * postscript description" (27 rows); texts are the reference's, trimmed.
 * The 8-digit trading code is the key: several of them share a 6-digit
 * transaction code (e.g. 223010 under air ticket, hotel and travelling).
 *
 * Note: the reference's hotel-booking postscripts (04223xxx) do not line up with
 * the meaning their transaction codes have in the air-ticket and travelling rows
 * (e.g. 04223010 says "study abroad ... one year or less" while 223010 is
 * "business trip" elsewhere); both appendix.md and appendix_zh_cn.md agree on
 * this, so the text is kept as published.
 */

export interface TransCode {
  readonly code: string;
  readonly tradeType: string;
  readonly transactionCode: string;
  readonly postscript: string;
}

const TABLE: ReadonlyArray<readonly [code: string, tradeType: string, transactionCode: string, postscript: string]> = [
  ['01121990', 'Goods trade', '121990', 'Online Shopping (customs clearance)'],
  ['01122030', 'Goods trade', '122030', 'Online Shopping (no customs clearance)'],
  ['02223022', 'Study Abroad', '223022', 'Tuition travel for study abroad and education (above one year)'],
  ['02223023', 'Study Abroad', '223023', 'Tuition travel for study abroad and education (one year or less)'],
  ['03222024', 'Air ticket', '222024', 'Air ticket for going abroad'],
  ['03223010', 'Air ticket', '223010', 'Business trip air ticket'],
  ['03223021', 'Air ticket', '223021', 'Air ticket for receiving medical treatment and health examination'],
  ['03223022', 'Air ticket', '223022', 'Air ticket for study abroad and education (above one year)'],
  ['03223023', 'Air ticket', '223023', 'Air ticket for study abroad and education (one year or less)'],
  ['03223029', 'Air ticket', '223029', 'Other private travel air ticket'],
  ['04223010', 'Hotel Booking', '223010', 'Hotel for study abroad and education (one year or less)'],
  ['04223021', 'Hotel Booking', '223021', 'Other private travel hotel'],
  ['04223022', 'Hotel Booking', '223022', 'Business trip hotel'],
  ['04223023', 'Hotel Booking', '223023', 'Hotel for receiving medical treatment and health examination'],
  ['04223029', 'Hotel Booking', '223029', 'Hotel for study abroad and education (above one year)'],
  ['05227010', 'Phone Bill', '227010', 'Mobile telecommunications service'],
  ['06223010', 'Travelling', '223010', 'Business trip'],
  ['06223021', 'Travelling', '223021', 'Trip for receiving medical treatment and health'],
  ['06223022', 'Travelling', '223022', 'Study abroad and education (above one year)'],
  ['06223023', 'Travelling', '223023', 'Study abroad and education (one year or less)'],
  ['06223029', 'Travelling', '223029', 'Other private travelling'],
  ['07222012', 'Transportation', '222012', 'Ocean freight service (import to China)'],
  ['07222022', 'Transportation', '222022', 'Air freight service (import to China)'],
  ['07222032', 'Transportation', '222032', 'Other Freight service (import to China)'],
  ['08227020', 'Software service', '227020', 'Software service'],
  ['08231030', 'Software service', '231030', 'License fee for copying or distributing computer software'],
  ['09228025', 'International exhibition', '228025', 'Exhibition services'],
];

export const TRANS_CODES: readonly TransCode[] = Object.freeze(
  TABLE.map(([code, tradeType, transactionCode, postscript]) =>
    Object.freeze({ code, tradeType, transactionCode, postscript }),
  ),
);

const CODES: ReadonlySet<string> = new Set(TRANS_CODES.map((t) => t.code));

/** True when `code` is one of the reference's 8-digit trading codes (exact match). */
export function isTransCode(code: string): boolean {
  return CODES.has(code);
}
