/**
 * The double-entry ledger: every movement of money is a journal entry whose lines are signed integer
 * minor units (bigint; debit positive, credit negative) and sum to zero per currency. Entries are
 * posted through the caller's transaction, the one that makes the state change they belong to, so a
 * state change and its money movement commit (or roll back) together. An entry is identified by its
 * business event (`kind`, `objectId`): the unique constraint makes posting an event twice impossible.
 *
 * Accounts are named `<type>[:<owner>]:<currency>`:
 *
 * | account                           | class     | balance means                                         |
 * | --------------------------------- | --------- | ----------------------------------------------------- |
 * | `platform_clearing:CNY`           | asset     | CNY the platform holds in its clearing account (Dr)   |
 * | `merchant_payable:<merchant>:CNY` | liability | CNY the platform owes the merchant (Cr, negative)     |
| `b2b_held:<merchant>:CNY`         | liability | CNY of paid B2B payments held for their documents:   |
|                                   |           | not the merchant's yet, not settled (Cr)              |
 * | `refunds_payable:CNY`             | liability | refunds accepted, not yet paid back to payers (Cr)    |
 * | `service_fees:CNY`                | income    | service fees taken at settlement (Cr)                 |
 * | `merchant_settled:<merchant>:<X>` | memo      | transferred to the merchant in currency X, all time (Dr) |
 * | `settlement_funding:<X>`          | memo      | where those transfers came from: X bought from the FX |
 * |                                   |           | desk, or CNY paid out of clearing (Cr)                |
 *
 * The payer is the outside party: money from payers arrives in `platform_clearing`, money back to
 * payers leaves it, and so does the CNY sold to the FX desk (or paid to a CNY merchant) at settlement.
 * So the sum of all balances of a currency is always zero, assets equal liabilities.
 */
import type { Trx } from '../store/database.ts';
import { newId } from '../store/ids.ts';
import { isCurrency } from '../money/currencies.ts';
import { insertEntry } from './ledger-repository.ts';

export const ACCOUNTS = {
  platformClearing: (currency: string) => `platform_clearing:${currency}`,
  merchantPayable: (merchantId: string, currency: string) => `merchant_payable:${merchantId}:${currency}`,
  b2bHeld: (merchantId: string, currency: string) => `b2b_held:${merchantId}:${currency}`,
  refundsPayable: (currency: string) => `refunds_payable:${currency}`,
  serviceFees: (currency: string) => `service_fees:${currency}`,
  merchantSettled: (merchantId: string, currency: string) => `merchant_settled:${merchantId}:${currency}`,
  settlementFunding: (currency: string) => `settlement_funding:${currency}`,
} as const;

/** The currency an account is kept in (its last segment). */
export function accountCurrency(account: string): string {
  return account.slice(account.lastIndexOf(':') + 1);
}

export type EntryKind =
  | 'payment_success'
  | 'b2b_release'
  | 'b2b_return'
  | 'refund_accepted'
  | 'refund_succeeded'
  | 'refund_failed'
  | 'settlement';

export interface LedgerLine {
  readonly account: string;
  /** Signed minor units of the account's currency: debit positive, credit negative. */
  readonly amountMinor: bigint;
}

export interface JournalEntry {
  readonly kind: EntryKind;
  readonly objectType: 'payment' | 'refund' | 'settlement';
  readonly objectId: string;
  readonly paymentId?: string | undefined;
  readonly merchantId?: string | undefined;
  readonly memo?: string | undefined;
  readonly lines: readonly LedgerLine[];
  readonly now: number;
}

export class UnbalancedEntryError extends Error {}

/** Throws unless the lines are well formed and sum to zero in each currency. */
export function assertBalanced(lines: readonly LedgerLine[]): void {
  if (lines.length === 0) throw new UnbalancedEntryError('an entry needs lines');
  const sums = new Map<string, bigint>();
  for (const line of lines) {
    const currency = accountCurrency(line.account);
    if (!isCurrency(currency)) throw new UnbalancedEntryError(`account ${line.account} names no currency`);
    if (typeof line.amountMinor !== 'bigint')
      throw new UnbalancedEntryError(`line of ${line.account} is not in bigint minor units`);
    sums.set(currency, (sums.get(currency) ?? 0n) + line.amountMinor);
  }
  for (const [currency, sum] of sums) {
    if (sum !== 0n) throw new UnbalancedEntryError(`entry does not balance in ${currency}: off by ${sum}`);
  }
}

/**
 * Posts one balanced entry through `db` (the transaction of the state change). Zero lines are left
 * out; an entry whose lines are all zero is still recorded (the event happened, no money moved).
 * Returns the entry id.
 */
export async function postEntry(db: Trx, entry: JournalEntry): Promise<string> {
  assertBalanced(entry.lines);
  const id = newId('JE_', entry.now);
  const lines = entry.lines
    .filter((l) => l.amountMinor !== 0n)
    .map((l) => ({ account: l.account, currency: accountCurrency(l.account), amountMinor: l.amountMinor }));
  await insertEntry(db, { id, ...entry }, lines);
  return id;
}
