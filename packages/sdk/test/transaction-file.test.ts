// parseTransactionLine / parseTransactionFile on hand-written files (reference 3.11): the three kinds
// of line, CRLF, the reference prose's 15-field line, and every refusal.
import test from 'node:test';
import assert from 'node:assert/strict';
import { TransactionFileError, parseTransactionFile, parseTransactionLine } from '../src/index.ts';

const P =
  'PAY_A,13800138000,ORDER-1,20261122,20261122,192030,USD,100.02,712.48,7.1234,0,P,Payment Gateway - Credit card,';
const T =
  'REFUND_B,13800138000,ORDER-1,20261122,20261123,080000,USD,30.00,213.70,7.1234,0,T,' +
  'Payment Gateway - Credit card,RF-9';
const FILE = `TRANSDETAIL-START,MER_1,20261122\n${P}\n${T}\nTRANSDETAIL-End,MER_1,20261122,498.78\n`;

test('parseTransactionLine: header, payment, refund and End lines as typed records', () => {
  assert.deepEqual(parseTransactionLine('TRANSDETAIL-START,MER_1,20261122'), {
    type: 'header',
    merchantId: 'MER_1',
    merDate: '20261122',
  });
  assert.deepEqual(
    parseTransactionLine('TRANSDETAIL-End,MER_1,20261122,-12.50\r'),
    { type: 'footer', merchantId: 'MER_1', merDate: '20261122', total: '-12.50' },
    'a CR before the line end is ignored',
  );
  assert.deepEqual(parseTransactionLine(P), {
    type: 'transaction',
    tradeNo: 'PAY_A',
    mobileId: '13800138000',
    orderId: 'ORDER-1',
    orderDate: '20261122',
    platDate: '20261122',
    platTime: '192030',
    currency: 'USD',
    cb_amount: '100.02',
    amount: '712.48',
    exchangeRate: '7.1234',
    transState: '0',
    transType: 'P',
    productId: 'Payment Gateway - Credit card',
    refundNo: '',
  });
  const refund = parseTransactionLine(T);
  assert.equal(refund.type === 'transaction' && refund.refundNo, 'RF-9');
  const long = parseTransactionLine(
    'PAY_A,,ORDER-1,20261122,20261122,192030,JPY,1000.00,47.31,0.047312,20261123,0,P,Payment Gateway - WeChat QR code,',
  );
  assert.equal(
    long.type === 'transaction' && long.reconciliationDate,
    '20261123',
    "the prose's 15-field order: reconciliation date before transState",
  );
  assert.equal(long.type === 'transaction' && long.transState, '0');
  assert.equal(long.type === 'transaction' && long.productId, 'Payment Gateway - WeChat QR code');
});

test('parseTransactionLine refuses what is not a line of the file', () => {
  const refused: Array<[string, RegExp]> = [
    ['', /14 fields/],
    ['PAY_A,1,2,3', /14 fields/],
    [P.replace(',P,', ',X,'), /transType/],
    [P.replace('712.48', '712,48'), /reconciliation date/],
    [P.replace('712.48', '7,12,48'), /14 fields/],
    [P.replace('100.02', 'ten'), /cb_amount/],
    ['TRANSDETAIL-START,MER_1', /START line has 2 fields/],
    ['TRANSDETAIL-START,MER_1,2026-11-22', /YYYYMMDD/],
    ['TRANSDETAIL-End,MER_1,20261122', /End line has 3 fields/],
    ['TRANSDETAIL-End,MER_1,20261122,lots', /total/],
  ];
  for (const [line, message] of refused) {
    assert.throws(
      () => parseTransactionLine(line, 7),
      (e: unknown) => e instanceof TransactionFileError && message.test(e.message) && e.lineNumber === 7,
      `refused: ${JSON.stringify(line)}`,
    );
  }
});

test('parseTransactionFile: checks START first, End last, the same merchant and date, and the net total', () => {
  const file = parseTransactionFile(FILE);
  assert.deepEqual(file.header, { type: 'header', merchantId: 'MER_1', merDate: '20261122' });
  assert.deepEqual(
    file.transactions.map((t) => t.tradeNo),
    ['PAY_A', 'REFUND_B'],
  );
  assert.equal(file.footer.total, '498.78');
  assert.equal(parseTransactionFile(FILE.replaceAll('\n', '\r\n')).transactions.length, 2, 'CRLF line ends');
  assert.equal(
    parseTransactionFile('TRANSDETAIL-START,MER_1,20261122\nTRANSDETAIL-End,MER_1,20261122,0.00').transactions.length,
    0,
    'an empty day, no final line end',
  );

  const refused: Array<[string, RegExp]> = [
    ['', /at least/],
    [`${P}\nTRANSDETAIL-End,MER_1,20261122,712.48\n`, /START/],
    [`TRANSDETAIL-START,MER_1,20261122\n${P}\n`, /TRANSDETAIL-End/],
    [FILE.replace('End,MER_1', 'End,MER_2'), /End line is about MER_2/],
    [FILE.replace('498.78', '498.79'), /not the payments less the refunds \(498\.78\)/],
    [FILE.replace(`${T}\n`, `${T}\nTRANSDETAIL-START,MER_1,20261122\n`), /START line inside/],
  ];
  for (const [text, message] of refused) {
    assert.throws(
      () => parseTransactionFile(text),
      (e: unknown) => e instanceof TransactionFileError && message.test(e.message),
      `refused: ${JSON.stringify(text.slice(0, 60))}`,
    );
  }
});
