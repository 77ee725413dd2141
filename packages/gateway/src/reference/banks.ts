/**
 * Banks supported by UMF card payments.
 *
 * Source: UMF API reference, objs.md / objs_zh_cn.md, "Banks supported by credit
 * card payment" (64 banks) and "Banks supported by debit card payment" (15 banks;
 * the reference numbers '6' twice in that table, it still lists 15 banks).
 * English names are the reference's verbatim; Chinese names are objs_zh_cn.md's
 * spelling except where noted below.
 *
 * logo_url is not stored here: the gateway builds it from its own base URL as
 * `/static/banks/{code}.svg` (see bank-logos.ts).
 */

export type CardType = 'CREDIT_CARD' | 'DEBIT_CARD';

export interface Bank {
  readonly code: string;
  readonly name: string;
  readonly name_zh: string;
  readonly types: readonly CardType[];
}

/** [code, English name, Chinese name], in the order of the credit-card table. */
const CREDIT_TABLE: ReadonlyArray<readonly [code: string, name: string, nameZh: string]> = [
  ['ICBC', 'Industrial and Commercial Bank of China', '中国工商银行'],
  ['CCB', 'China Construction Bank', '中国建设银行'],
  ['ABC', 'Agricultural Bank of China', '中国农业银行'],
  ['BOC', 'Bank of China', '中国银行'],
  ['PSBC', 'Postal Savings Bank of China', '中国邮政储蓄银行'],
  ['COMM', 'Bank of Communications', '交通银行'],
  ['CITIC', 'China Citic Bank', '中信银行'],
  ['CEB', 'China Everbright Bank', '光大银行'],
  ['HXB', 'Hua Xia Bank', '华夏银行'],
  ['CMBC', 'China Minsheng Bank', '中国民生银行'],
  ['CMB', 'China Merchants Bank', '中国招商银行'],
  ['SHB', 'Bank of Shanghai', '上海银行'],
  ['BJB', 'Bank of Beijing', '北京银行'],
  ['BEA', 'Bank of East Asia', '东亚银行'],
  ['CIB', 'China Industrial Bank', '兴业银行'],
  ['NBB', 'Bank of Ningbo', '宁波银行'],
  ['SPDB', 'Shanghai Pudong Development Bank', '上海浦东发展银行'],
  ['GDB', 'Guangdong Development Bank', '广东发展银行'],
  ['SPAB', 'Ping An Bank', '平安银行'],
  // objs_zh_cn.md leaves this row untranslated ("Baoshang Bank"); 包商银行 is the bank's Chinese name.
  ['BSB', 'Baoshang Bank', '包商银行'],
  ['CSCB', 'Bank of Changsha', '长沙银行'],
  ['CDB', 'Bank of Chengde', '承德银行'],
  ['CDRCB', 'Chengdu Rural Commercial Bank', '成都农村商业银行'],
  ['CRCB', 'Chongqing Rural Commercial Bank', '重庆农村商业银行'],
  ['CQB', 'Bank of Chongqing', '重庆银行'],
  ['DLB', 'Bank of Dalian', '大连银行'],
  ['DYCCB', 'Dongying Commercial Bank', '东营商业银行'],
  ['ORBANK', 'Erdos Bank', '鄂尔多斯银行'],
  ['FJNXB', 'Rural Credit Cooperative of Fujian', '福建农村信用社'],
  ['GYB', 'Bank of Guiyang', '贵阳银行'],
  ['GCB', 'Bank of Guangzhou', '广州银行'],
  ['GRCB', 'Guangzhou Rural Commercial Bank', '广州农村商业银行'],
  ['HEBB', 'Harbin Bank', '哈尔滨银行'],
  ['HNNXB', 'Rural Credit Cooperative of Hunan', '湖南农村信用社'],
  // objs_zh_cn.md says 汇丰银行, which is HSBC; the code and the English name
  // "Huishang Bank" are 徽商银行, so that is used here.
  ['HSB', 'Huishang Bank', '徽商银行'],
  ['BHB', 'Bank of Hebei', '河北银行'],
  ['HZCB', 'Bank of Hangzhou', '杭州银行'],
  ['BOJZ', 'Bank of Jinzhou', '锦州银行'],
  ['CSRCB', 'Jiangsu Changshu Rural Commercial Bank', '江苏常熟农村商业银行'],
  ['JSB', 'Bank of Jiangsu', '江苏银行'],
  ['JRCB', 'Jiangyin Rural Commercial Bank', '江阴农村商业银行'],
  ['JJCCB', 'Bank of Jiujiang', '九江银行'],
  ['LZB', 'Bank of Lanzhou', '兰州银行'],
  ['DAQINGB', 'Bank of Longjiang', '龙江银行'],
  ['QHB', 'Bank of Qinghai', '青海银行'],
  ['SHRCB', 'Shanghai Rural Commercial Bank', '上海农村商业银行'],
  ['SRB', 'Bank of Shangrao', '上饶银行'],
  ['SDEB', 'Shunde Rural Commercial Bank', '顺德农村商业银行'],
  ['TZCB', 'Bank of Taizhou', '台州银行'],
  ['WHSHB', 'Weihai City Commercial Bank', '威海商业银行'],
  ['WFCCB', 'Bank of Weifang', '潍坊银行'],
  ['WZCB', 'Bank of Wenzhou', '温州银行'],
  ['URMQCCB', 'Urumqi City Commercial Bank', '乌鲁木齐商业银行'],
  ['WRCB', 'Wuxi Rural Commercial Bank', '无锡农村商业银行'],
  ['YCCB', 'Yichang City Commercial Banks', '宜昌商业银行'],
  ['YZB', 'Bank of Yinzhou', '鄞州银行'],
  ['CZCB', 'Zhejiang Chouzhou Commercial Bank', '浙江稠州商业银行'],
  ['ZJTLCB', 'Zhejiang Tailong Commercial Bank', '浙江泰隆商业银行'],
  ['MTBANK', 'Zhejiang Mintai Commercial Bank', '浙江民泰商业银行'],
  ['NJCB', 'Bank of Nanjing', '南京银行'],
  ['NCB', 'Bank of Nanchang', '南昌银行'],
  ['QLBANK', 'Qilu Bank', '齐鲁银行'],
  ['YDRCB', 'Yaodu Rural Commercial Bank', '尧都农村商业银行'],
  ['WJRCB', 'Wujiang Rural Commercial Bank', '吴江农村商业银行'],
];

/**
 * The debit-card table, in its order. Every one of these banks is also in the
 * credit-card table (same English and Chinese names there), so there are no
 * debit-only banks in the current reference. A debit-only bank would need an
 * entry in DEBIT_ONLY_TABLE below.
 */
const DEBIT_ORDER: readonly string[] = [
  'SPDB',
  'CCB',
  'ABC',
  'BOC',
  'CITIC',
  'CEB',
  'CMB',
  'ICBC',
  'CMBC',
  'GDB',
  'COMM',
  'SPAB',
  'HXB',
  'PSBC',
  'CIB',
];

/** [code, English name, Chinese name] for debit-table banks absent from the credit table. */
const DEBIT_ONLY_TABLE: ReadonlyArray<readonly [code: string, name: string, nameZh: string]> = [];

function buildBanks(): readonly Bank[] {
  const creditCodes = new Set(CREDIT_TABLE.map(([code]) => code));
  const debitCodes = new Set(DEBIT_ORDER);
  const rows = [...CREDIT_TABLE, ...DEBIT_ONLY_TABLE.filter(([code]) => !creditCodes.has(code))];
  const seen = new Set<string>();
  const banks: Bank[] = [];
  for (const [code, name, nameZh] of rows) {
    if (seen.has(code)) throw new Error(`duplicate bank code in reference data: ${code}`);
    seen.add(code);
    const types: CardType[] = [];
    if (creditCodes.has(code)) types.push('CREDIT_CARD');
    if (debitCodes.has(code)) types.push('DEBIT_CARD');
    banks.push(Object.freeze({ code, name, name_zh: nameZh, types: Object.freeze(types) }));
  }
  for (const code of DEBIT_ORDER) {
    if (!seen.has(code)) throw new Error(`debit bank without a name entry: ${code}`);
  }
  return Object.freeze(banks);
}

/** One entry per bank code: the credit table's order, then debit-only banks. */
export const BANKS: readonly Bank[] = buildBanks();

const BY_CODE: ReadonlyMap<string, Bank> = new Map(BANKS.map((b) => [b.code, b]));

const CREDIT_BANKS: readonly Bank[] = CREDIT_TABLE.map(([code]) => BY_CODE.get(code)!);
const DEBIT_BANKS: readonly Bank[] = DEBIT_ORDER.map((code) => BY_CODE.get(code)!);

/** Banks supporting the given card type, in the order of that type's reference table. */
export function banksFor(type: CardType): Bank[] {
  return type === 'CREDIT_CARD' ? [...CREDIT_BANKS] : [...DEBIT_BANKS];
}

/** Looks a bank up by its exact (upper-case) code. */
export function findBank(code: string): Bank | undefined {
  return BY_CODE.get(code);
}

/**
 * The banks whose online banking (corporate for B2B_ONLINE_BANKING, personal for
 * B2C_ONLINE_BANKING) the platform reaches: the reference names no separate list for online
 * banking, so these are the banks of its debit-card table (the national banks and the large
 * joint-stock banks, every one of which runs corporate and personal online banking), in that order.
 * Any other `bank_code` of an online-banking payment is `bank_not_linked` (00200027).
 */
export const ONLINE_BANKING_BANKS: readonly Bank[] = DEBIT_BANKS;

/** Whether online-banking payments may name `code` as their bank. */
export function takesOnlineBanking(code: string): boolean {
  return ONLINE_BANKING_BANKS.some((bank) => bank.code === code);
}
