/**
 * The journal entries of payments and refunds, in CNY fen (the currency the payer pays and is paid
 * back in). Each is posted by the transaction that makes the state change:
 *
 *   payment TRADE_SUCCESS       Dr platform_clearing        Cr merchant_payable:<m>   (total_cny)
 *   B2B payment TRADE_SUCCESS   Dr platform_clearing        Cr b2b_held:<m>           (total_cny, held)
 *   B2B documents approved      Dr b2b_held:<m>             Cr merchant_payable:<m>   (released)
 *   B2B document window passed  Dr b2b_held:<m>             Cr platform_clearing      (returned: TRADE_CANCEL)
 *   refund accepted (PROCESS)   Dr merchant_payable:<m>     Cr refunds_payable         (refund cny)
 *   refund REFUND_SUCCESS       Dr refunds_payable          Cr platform_clearing       (refund cny)
 *   refund REFUND_FAIL          Dr refunds_payable          Cr merchant_payable:<m>    (released)
 *
 * A successful refund thus reverses the payment (clearing and merchant payable both go down by the
 * refund); a failed one leaves the merchant where it was before the refund was asked for. Money a
 * refund has reserved is never counted as the merchant's while the refund is under way.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema.ts';
import { ACCOUNTS, postEntry } from './journal.ts';

type Trx = Transaction<Database>;

const CNY = 'CNY';

/**
 * A payment's success: its CNY arrives in clearing and is owed to the merchant, or, for a B2B payment
 * (`held`), held for its documents (b2b_held) until they are approved or the window passes.
 */
export async function postPaymentSuccess(
  trx: Trx,
  p: { paymentId: string; merchantId: string; cnyMinor: bigint; now: number; held?: boolean },
): Promise<string> {
  const owed = p.held ? ACCOUNTS.b2bHeld(p.merchantId, CNY) : ACCOUNTS.merchantPayable(p.merchantId, CNY);
  return postEntry(trx, {
    kind: 'payment_success',
    objectType: 'payment',
    objectId: p.paymentId,
    paymentId: p.paymentId,
    merchantId: p.merchantId,
    ...(p.held ? { memo: 'B2B: held for the transaction documents' } : {}),
    lines: [
      { account: ACCOUNTS.platformClearing(CNY), amountMinor: p.cnyMinor },
      { account: owed, amountMinor: -p.cnyMinor },
    ],
    now: p.now,
  });
}

/** A held B2B payment's documents were approved: its CNY becomes the merchant's, to be settled at `rate`. */
export async function postB2bRelease(
  trx: Trx,
  p: { paymentId: string; merchantId: string; cnyMinor: bigint; rate: string; now: number },
): Promise<string> {
  return postEntry(trx, {
    kind: 'b2b_release',
    objectType: 'payment',
    objectId: p.paymentId,
    paymentId: p.paymentId,
    merchantId: p.merchantId,
    memo: `B2B documents approved: released at ${p.rate}`,
    lines: [
      { account: ACCOUNTS.b2bHeld(p.merchantId, CNY), amountMinor: p.cnyMinor },
      { account: ACCOUNTS.merchantPayable(p.merchantId, CNY), amountMinor: -p.cnyMinor },
    ],
    now: p.now,
  });
}

/** A held B2B payment's document window passed (TRADE_CANCEL): its CNY goes back to the company. */
export async function postB2bReturn(
  trx: Trx,
  p: { paymentId: string; merchantId: string; cnyMinor: bigint; now: number },
): Promise<string> {
  return postEntry(trx, {
    kind: 'b2b_return',
    objectType: 'payment',
    objectId: p.paymentId,
    paymentId: p.paymentId,
    merchantId: p.merchantId,
    memo: 'B2B document window passed: returned to the company',
    lines: [
      { account: ACCOUNTS.b2bHeld(p.merchantId, CNY), amountMinor: p.cnyMinor },
      { account: ACCOUNTS.platformClearing(CNY), amountMinor: -p.cnyMinor },
    ],
    now: p.now,
  });
}

interface RefundPosting {
  refundId: string;
  paymentId: string;
  merchantId: string;
  cnyMinor: bigint;
  now: number;
}

export async function postRefundAccepted(trx: Trx, r: RefundPosting): Promise<string> {
  return postEntry(trx, {
    kind: 'refund_accepted',
    objectType: 'refund',
    objectId: r.refundId,
    paymentId: r.paymentId,
    merchantId: r.merchantId,
    lines: [
      { account: ACCOUNTS.merchantPayable(r.merchantId, CNY), amountMinor: r.cnyMinor },
      { account: ACCOUNTS.refundsPayable(CNY), amountMinor: -r.cnyMinor },
    ],
    now: r.now,
  });
}

export async function postRefundSucceeded(trx: Trx, r: RefundPosting): Promise<string> {
  return postEntry(trx, {
    kind: 'refund_succeeded',
    objectType: 'refund',
    objectId: r.refundId,
    paymentId: r.paymentId,
    merchantId: r.merchantId,
    lines: [
      { account: ACCOUNTS.refundsPayable(CNY), amountMinor: r.cnyMinor },
      { account: ACCOUNTS.platformClearing(CNY), amountMinor: -r.cnyMinor },
    ],
    now: r.now,
  });
}

export async function postRefundFailed(trx: Trx, r: RefundPosting): Promise<string> {
  return postEntry(trx, {
    kind: 'refund_failed',
    objectType: 'refund',
    objectId: r.refundId,
    paymentId: r.paymentId,
    merchantId: r.merchantId,
    memo: 'refund failed: its amount is released to the merchant',
    lines: [
      { account: ACCOUNTS.refundsPayable(CNY), amountMinor: r.cnyMinor },
      { account: ACCOUNTS.merchantPayable(r.merchantId, CNY), amountMinor: -r.cnyMinor },
    ],
    now: r.now,
  });
}

export interface SettlementPosting {
  readonly settlementId: string;
  readonly merchantId: string;
  readonly currency: string;
  /** G - R: CNY of the settled payments less CNY of the settled refunds. */
  readonly payableCnyMinor: bigint;
  readonly feeMinor: bigint;
  /** N = G - R - F */
  readonly netCnyMinor: bigint;
  /** T: the transfer in `currency`. */
  readonly netMinor: bigint;
  readonly now: number;
}

export async function postSettlement(trx: Trx, s: SettlementPosting): Promise<string> {
  return postEntry(trx, {
    kind: 'settlement',
    objectType: 'settlement',
    objectId: s.settlementId,
    merchantId: s.merchantId,
    memo: `settlement in ${s.currency}`,
    lines: [
      { account: ACCOUNTS.merchantPayable(s.merchantId, CNY), amountMinor: s.payableCnyMinor },
      { account: ACCOUNTS.serviceFees(CNY), amountMinor: -s.feeMinor },
      { account: ACCOUNTS.platformClearing(CNY), amountMinor: -s.netCnyMinor },
      { account: ACCOUNTS.merchantSettled(s.merchantId, s.currency), amountMinor: s.netMinor },
      { account: ACCOUNTS.settlementFunding(s.currency), amountMinor: -s.netMinor },
    ],
    now: s.now,
  });
}
