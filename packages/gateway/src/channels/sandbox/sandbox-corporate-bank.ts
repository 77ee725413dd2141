/**
 * The sandbox online bank: the corporate (B2B) and personal (B2C_ONLINE_BANKING) online banking of
 * every bank of reference/banks.ts ONLINE_BANKING_BANKS, behind one page per payment
 * (`/sandbox/bank/{bank}/{payment}`, corporate-bank-routes.ts). Deterministic test values (README):
 *
 * - every company has two sandbox corporate accounts, opened the first time it pays and kept in
 *   `sandbox_bank_accounts` (shared with the card bank, keyed `corp:<EQ id>:main|low`): its main
 *   account with CNY 10,000,000.00 and a low-balance account with CNY 10.00 (paying more than it
 *   holds is refused: insufficient funds, 00060730, the payment stays open); a person paying with
 *   B2C_ONLINE_BANKING has the same two accounts (`person:<phone or payment>:...`, CNY 100,000.00
 *   and CNY 10.00);
 * - the login password of every sandbox account is `111111`; the U-shield (USB key) code the bank
 *   asks for to confirm is shown on the page (six digits, one per payment);
 * - a payment is debited once (the bank's ledger, `sandbox_bank_ledger`, is unique per payment and
 *   kind), then the bank tells the platform asynchronously (`onResult`; retried a few times when the
 *   platform does not take it); refunds (sandbox-refunds.ts: after 2 s; amounts ending in .13 are
 *   refused) and returns of cancelled B2B payments credit the debited account, once each.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from '../../store/database.ts';
import type { PageTokens } from '../../crypto/page-tokens.ts';
import type {
  CorporateBank,
  FundsReturn,
  FundsReturnResult,
  OnlineBankingKind,
  OnlineBankingOrder,
  OnlineBankingResult,
  RefundRequest,
  RefundResult,
} from '../channels.ts';
import type { SandboxRepository } from './sandbox-repository.ts';
import { onlineBankingOf, type PaymentRecord } from '../../payments/payment-record.ts';
import { SANDBOX_REFUND_DELAY_MS, sandboxRefundOutcome } from './sandbox-refunds.ts';

/** The login password of every sandbox online-banking account. */
export const SANDBOX_BANK_PASSWORD = '111111';

const OPENING: Readonly<Record<OnlineBankingKind, Readonly<Record<'main' | 'low', bigint>>>> = {
  B2B: { main: 1_000_000_000n, low: 1_000n },
  B2C: { main: 10_000_000n, low: 1_000n },
};

/** A sandbox account a payer may log in with. */
export interface SandboxBankAccount {
  /** The key of `sandbox_bank_accounts` (`corp:EQ_...:main`). */
  readonly key: string;
  readonly label: 'main' | 'low';
  /** The account number the page shows and the payer types (19 digits). */
  readonly number: string;
  readonly openingFen: bigint;
}

/** The two sandbox accounts of a company (B2B, owner: its EQ id) or a person (B2C, owner: phone or payment). */
export function sandboxAccounts(kind: OnlineBankingKind, owner: string): SandboxBankAccount[] {
  const prefix = kind === 'B2B' ? 'corp' : 'person';
  return (['main', 'low'] as const).map((label) => {
    const key = `${prefix}:${owner}:${label}`;
    const hash = BigInt(`0x${createHash('sha256').update(`${prefix}:${owner}`).digest('hex').slice(0, 16)}`);
    const digits = (hash % 10n ** 15n).toString().padStart(15, '0');
    const number = `6${kind === 'B2B' ? '2' : '9'}${digits}${label === 'main' ? '01' : '02'}`;
    return { key, label, number, openingFen: OPENING[kind][label] };
  });
}

/** The sandbox accounts of a payment's payer: the company's (B2B, by its EQ id) or the person's (B2C). */
export function payerAccounts(record: PaymentRecord): SandboxBankAccount[] {
  const kind = onlineBankingOf(record) ?? 'B2C';
  return sandboxAccounts(kind, kind === 'B2B' ? (record.enterprise_id ?? record.id) : (record.phone ?? record.id));
}

export type SandboxPayOutcome = 'paid' | 'insufficient_funds';

export interface SandboxCorporateBankDeps {
  readonly store: Store;
  readonly sandbox: SandboxRepository;
  readonly publicUrl: () => string;
  readonly tokens: PageTokens;
  readonly refundDelayMs?: number | undefined;
}

export class SandboxCorporateBank implements CorporateBank {
  readonly #deps: SandboxCorporateBankDeps;
  #receiver: ((result: OnlineBankingResult) => Promise<void>) | undefined;
  constructor(deps: SandboxCorporateBankDeps) {
    this.#deps = deps;
  }

  paymentPageUrl(order: OnlineBankingOrder): string {
    const token = this.pageToken(order.paymentId);
    return `${this.#deps.publicUrl()}/sandbox/bank/${order.bankCode.toLowerCase()}/${order.paymentId}?t=${token}`;
  }

  /** The token of a payment's bank pages. */
  pageToken(paymentId: string): string {
    return this.#deps.tokens.token('online-bank', paymentId);
  }

  /** The U-shield code the bank asks for to confirm this payment (shown on the sandbox page). */
  ushieldCode(paymentId: string): string {
    const hex = this.#deps.tokens.token('online-bank u-shield', paymentId).slice(0, 12);
    return String(parseInt(hex, 16) % 1_000_000).padStart(6, '0');
  }

  /** Proof, carried by the confirmation form, that the payer logged in to `account` for `paymentId`. */
  loginProof(paymentId: string, account: string): string {
    return this.#deps.tokens.token('online-bank login', `${paymentId}\u0000${account}`);
  }

  onResult(receiver: (result: OnlineBankingResult) => Promise<void>): void {
    this.#receiver = receiver;
  }

  /** The debit of a payment at the bank (which account, how much, when), if it was paid. */
  debitOf(paymentId: string): Promise<{ account: string; amountFen: bigint; at: number } | undefined> {
    return this.#deps.sandbox.debitOf(paymentId);
  }

  /** An account's balance now (opened on first use), CNY fen. */
  async balance(account: SandboxBankAccount): Promise<bigint> {
    return (await this.#deps.sandbox.balanceOf(account.key)) ?? account.openingFen;
  }

  /**
   * The payer confirmed the payment from `account`: debits it once (a second pay of the same
   * payment is not debited again) and tells the platform. `delivered` settles once the platform has
   * the result (the page does not wait for it; POST /sandbox/payments/{id}/pay does).
   */
  async pay(request: {
    paymentId: string;
    bankCode: string;
    account: SandboxBankAccount;
    amountFen: bigint;
    now: number;
  }): Promise<{ outcome: SandboxPayOutcome; delivered: Promise<void> }> {
    const { store, sandbox } = this.#deps;
    const { paymentId, account, amountFen, now } = request;
    const outcome = await store.write(async (trx): Promise<SandboxPayOutcome> => {
      if (await sandbox.hasDebited(paymentId, trx)) return 'paid';
      await sandbox.openAccount(trx, account.key, account.openingFen, now);
      if (!(await sandbox.debitAccount(trx, account.key, amountFen, now))) return 'insufficient_funds';
      await sandbox.book(trx, { cardFingerprint: account.key, objectId: paymentId, amountFen, kind: 'debit', at: now });
      return 'paid';
    });
    if (outcome !== 'paid') return { outcome, delivered: Promise.resolve() };
    const debit = (await sandbox.debitOf(paymentId))!;
    const result: OnlineBankingResult = {
      paymentId,
      outcome: 'success',
      bankCode: request.bankCode,
      amountFen: debit.amountFen,
      at: now,
    };
    const delivered = this.#deliver(result);
    delivered.catch(() => undefined); // a caller that does not wait must not leave it unhandled
    return { outcome, delivered };
  }

  /** The payer gave up at the bank (POST /sandbox/payments/{id}/pay `fail`): the bank says so. */
  decline(paymentId: string, bankCode: string, now: number): Promise<void> {
    return this.#deliver({ paymentId, outcome: 'failed', bankCode, reason: 'payer_declined', at: now });
  }

  async returnFunds(request: FundsReturn): Promise<FundsReturnResult> {
    await this.#credit(request.paymentId, request.returnId, 'return', request.amountFen, request.now);
    return { outcome: 'success' };
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    const result = sandboxRefundOutcome(request, this.#deps.refundDelayMs ?? SANDBOX_REFUND_DELAY_MS);
    if (result.outcome !== 'success') return result;
    await this.#credit(request.paymentId, request.refundId, 'refund', request.amountFen, request.now);
    return result;
  }

  /** Credits the account `paymentId` was debited from with `amountFen`, once per (object, kind). */
  async #credit(paymentId: string, objectId: string, kind: 'refund' | 'return', amountFen: bigint, now: number) {
    const { store, sandbox } = this.#deps;
    await store.write(async (trx) => {
      const debit = await sandbox.debitOf(paymentId, trx);
      if (!debit) throw new Error(`the sandbox bank never debited payment ${paymentId}`);
      if (!(await sandbox.book(trx, { cardFingerprint: debit.account, objectId, amountFen, kind, at: now }))) return;
      await sandbox.creditAccount(trx, debit.account, amountFen, now);
    });
  }

  /** Hands a result to the platform after this turn of the event loop, trying up to five times. */
  async #deliver(result: OnlineBankingResult): Promise<void> {
    await sleep(0);
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const receiver = this.#receiver;
      if (receiver) {
        try {
          await receiver(result);
          return;
        } catch (error) {
          lastError = error;
        }
      }
      await sleep(50 * 2 ** attempt);
    }
    throw lastError instanceof Error ? lastError : new Error('no receiver took the online-banking result');
  }
}
