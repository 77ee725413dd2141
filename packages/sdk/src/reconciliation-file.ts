// Reads the lines of a reconciliation statement file (GET /payments/reconciliation_statement_download):
//
//   RECONDETAIL-START,<merchant id>,<settle date>
//   <item>        17 fields, transType P (payment) or T (refund)
//   SETTLEMENT,<currency>,<payments>,<refunds>,<gross CNY>,<refunds CNY>,<fee>,<net CNY>,<rate>,
//     <exchange date>,<transfer>                              (one line, wrapped here)
//   RECONDETAIL-End,<merchant id>,<settle date>,<item count>,<net CNY>
//
// Amounts stay decimal strings (never floats): compare or sum them as integers of cents.

export interface ReconciliationItemLine {
  kind: 'item';
  tradeNo: string;
  orderId: string;
  orderDate: string;
  platDate: string;
  platTime: string;
  currency: string;
  cbAmount: string;
  amount: string;
  exchangeRate: string;
  settleDate: string;
  transType: 'P' | 'T';
  serviceFee: string;
  exchangeCnyAmount: string;
  exchangeAmount: string;
  settleExchangeRate: string;
  exchangeDate: string;
  refundNo: string;
}

export interface ReconciliationSettlementLine {
  kind: 'settlement';
  currency: string;
  payments: number;
  refunds: number;
  grossCny: string;
  refundCny: string;
  serviceFee: string;
  netCny: string;
  exchangeRate: string;
  exchangeDate: string;
  transfer: string;
}

export type ReconciliationLine =
  | { kind: 'start'; merchantId: string; settleDate: string }
  | ReconciliationItemLine
  | ReconciliationSettlementLine
  | { kind: 'end'; merchantId: string; settleDate: string; itemCount: number; netCny: string };

/** Parses one line of the file; throws a TypeError naming the line when it is not of the format. */
export function parseReconciliationLine(line: string): ReconciliationLine {
  const f = line.replace(/\r$/, '').split(',');
  const fail = (why: string): never => {
    throw new TypeError(`not a reconciliation file line (${why}): ${JSON.stringify(line.slice(0, 200))}`);
  };
  switch (f[0]) {
    case 'RECONDETAIL-START':
      if (f.length !== 3) fail('START has 3 fields');
      return { kind: 'start', merchantId: f[1]!, settleDate: f[2]! };
    case 'RECONDETAIL-End':
      if (f.length !== 5) fail('End has 5 fields');
      return { kind: 'end', merchantId: f[1]!, settleDate: f[2]!, itemCount: Number(f[3]), netCny: f[4]! };
    case 'SETTLEMENT':
      if (f.length !== 11) fail('SETTLEMENT has 11 fields');
      return {
        kind: 'settlement',
        currency: f[1]!,
        payments: Number(f[2]),
        refunds: Number(f[3]),
        grossCny: f[4]!,
        refundCny: f[5]!,
        serviceFee: f[6]!,
        netCny: f[7]!,
        exchangeRate: f[8]!,
        exchangeDate: f[9]!,
        transfer: f[10]!,
      };
  }
  if (f.length !== 17) fail(`an item has 17 fields, this has ${f.length}`);
  if (f[10] !== 'P' && f[10] !== 'T') fail('transType is P or T');
  return {
    kind: 'item',
    tradeNo: f[0]!,
    orderId: f[1]!,
    orderDate: f[2]!,
    platDate: f[3]!,
    platTime: f[4]!,
    currency: f[5]!,
    cbAmount: f[6]!,
    amount: f[7]!,
    exchangeRate: f[8]!,
    settleDate: f[9]!,
    transType: f[10] as 'P' | 'T',
    serviceFee: f[11]!,
    exchangeCnyAmount: f[12]!,
    exchangeAmount: f[13]!,
    settleExchangeRate: f[14]!,
    exchangeDate: f[15]!,
    refundNo: f[16]!,
  };
}
