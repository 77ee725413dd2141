// Reading the daily transaction file (reference 3.11, `client.transactions.download`).
//
//   TRANSDETAIL-START,<merchant id>,<mer_date>
//   tradeNo,mobileId,orderId,orderDate,platDate,platTime,currency,cb_amount,amount,exchangeRate,transState,
//     transType,productId,refundNo                            (one line, wrapped here)
//   TRANSDETAIL-End,<merchant id>,<mer_date>,<total>
//
// parseTransactionLine reads one line (as `for await (const line of download)` yields them) into a typed
// record; parseTransactionFile reads a whole file and checks it: header first, End line last, the same
// merchant and date in both, and the End line's total equal to the CNY of the P lines minus the CNY of
// the T lines. A line of 15 fields (the order of the reference's prose, with a reconciliation date before
// transState) is read too. Anything else is a TransactionFileError naming the line.
import type {
  TransactionFile,
  TransactionFileFooter,
  TransactionFileHeader,
  TransactionFileLine,
  TransactionFileRecord,
} from './types.ts';

export class TransactionFileError extends Error {
  override name = 'TransactionFileError';
  /** 1-based line number, when known. */
  readonly lineNumber: number | undefined;
  constructor(message: string, lineNumber?: number) {
    super(lineNumber === undefined ? message : `line ${lineNumber}: ${message}`);
    this.lineNumber = lineNumber;
  }
}

const DECIMAL_RE = /^-?\d+(\.\d+)?$/;
const DATE_RE = /^\d{8}$/;

function fail(message: string, lineNumber?: number): never {
  throw new TransactionFileError(message, lineNumber);
}

function decimal(value: string, name: string, lineNumber: number | undefined): string {
  if (!DECIMAL_RE.test(value)) fail(`${name} is not a decimal: ${JSON.stringify(value)}`, lineNumber);
  return value;
}

/** One line of a transaction file (a trailing "\r" is ignored). `lineNumber` only improves messages. */
export function parseTransactionLine(line: string, lineNumber?: number): TransactionFileRecord {
  if (typeof line !== 'string') throw new TypeError('parseTransactionLine: line must be a string');
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const fields = text.split(',');
  const tag = fields[0]!.trim().toUpperCase();
  if (tag === 'TRANSDETAIL-START') {
    if (fields.length !== 3) fail(`the START line has ${fields.length} fields, expected 3`, lineNumber);
    const header: TransactionFileHeader = { type: 'header', merchantId: fields[1]!, merDate: fields[2]! };
    if (!DATE_RE.test(header.merDate))
      fail(`the START line's date is not YYYYMMDD: ${JSON.stringify(header.merDate)}`, lineNumber);
    return header;
  }
  if (tag === 'TRANSDETAIL-END') {
    if (fields.length !== 4) fail(`the End line has ${fields.length} fields, expected 4`, lineNumber);
    const footer: TransactionFileFooter = {
      type: 'footer',
      merchantId: fields[1]!,
      merDate: fields[2]!,
      total: decimal(fields[3]!, 'the End line total', lineNumber),
    };
    if (!DATE_RE.test(footer.merDate))
      fail(`the End line's date is not YYYYMMDD: ${JSON.stringify(footer.merDate)}`, lineNumber);
    return footer;
  }
  if (fields.length !== 14 && fields.length !== 15)
    fail(`a transaction line has 14 fields, this one ${fields.length}`, lineNumber);
  const long = fields.length === 15;
  if (long && !DATE_RE.test(fields[10]!))
    fail(`a 15-field line has its reconciliation date (YYYYMMDD) 11th, got ${JSON.stringify(fields[10])}`, lineNumber);
  const [tradeNo, mobileId, orderId, orderDate, platDate, platTime, currency, cbAmount, amount, exchangeRate] =
    fields as [string, string, string, string, string, string, string, string, string, string];
  const rest = fields.slice(long ? 11 : 10) as [string, string, string, string];
  const [transState, transType, productId, refundNo] = rest;
  if (transType !== 'P' && transType !== 'T')
    fail(`transType must be P or T, got ${JSON.stringify(transType)}`, lineNumber);
  if (tradeNo === '') fail('tradeNo is empty', lineNumber);
  const record: TransactionFileLine = {
    type: 'transaction',
    tradeNo,
    mobileId,
    orderId,
    orderDate,
    platDate,
    platTime,
    currency,
    cb_amount: decimal(cbAmount, 'cb_amount', lineNumber),
    amount: decimal(amount, 'amount', lineNumber),
    exchangeRate,
    transState,
    transType,
    productId,
    refundNo,
  };
  if (long) record.reconciliationDate = fields[10]!;
  return record;
}

/** A decimal with at most two decimals in hundredths (CNY fen), or undefined when it has more. */
function fen(value: string): bigint | undefined {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(value);
  if (!m) return undefined;
  const units = BigInt(m[2]! + (m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -units : units;
}

function formatFen(value: bigint): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** A whole transaction file, checked (header, End line, and the End line's total). */
export function parseTransactionFile(text: string): TransactionFile {
  if (typeof text !== 'string') throw new TypeError('parseTransactionFile: text must be a string');
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 2) fail('a transaction file has at least a START and an End line');
  const records = lines.map((line, i) => parseTransactionLine(line, i + 1));
  const header = records[0]!;
  const footer = records[records.length - 1]!;
  if (header.type !== 'header') fail('the file does not start with TRANSDETAIL-START', 1);
  if (footer.type !== 'footer') fail('the file does not end with TRANSDETAIL-End', records.length);
  const transactions: TransactionFileLine[] = [];
  records.slice(1, -1).forEach((record, i) => {
    if (record.type !== 'transaction')
      fail(`a ${record.type === 'header' ? 'START' : 'End'} line inside the file`, i + 2);
    transactions.push(record);
  });
  if (footer.merchantId !== header.merchantId || footer.merDate !== header.merDate) {
    fail(
      `the End line is about ${footer.merchantId} ${footer.merDate}, ` +
        `the START line about ${header.merchantId} ${header.merDate}`,
      records.length,
    );
  }
  let net: bigint | undefined = 0n;
  for (const t of transactions) {
    const cny = fen(t.amount);
    if (cny === undefined || net === undefined) {
      net = undefined;
      break;
    }
    net += t.transType === 'P' ? cny : -cny;
  }
  const total = fen(footer.total);
  if (net !== undefined && total !== undefined && net !== total) {
    fail(`the End line total ${footer.total} is not the payments less the refunds (${formatFen(net)})`, records.length);
  }
  return { header, transactions, footer };
}
