/**
 * The CNY of paid B2B payments, held until the transaction documents are approved (reference 4.4):
 *
 *   TRADE_SUCCESS, funds held     (payment-lifecycle.ts: Dr platform_clearing / Cr b2b_held:<m>)
 *     ├─ documents approved  -> funds released   `release(trx, paymentId, now, rate)`:
 *     │                         Dr b2b_held:<m> / Cr merchant_payable:<m>; settled at the release rate
 *     └─ window passed       -> TRADE_CANCEL, funds returned   `cancelDueBatch()`:
 *                               Dr b2b_held:<m> / Cr platform_clearing, the merchant notified
 *                               (TRADE_CANCEL, 00060785); after the commit the corporate bank pays the
 *                               money back to the company's account (`returnDueBatch()` retries it)
 *
 * Release and cancellation are both guarded updates on `funds_state = 'held'` (payment-repository.ts
 * releaseHeld, cancelHeld), so when an approval and the window's end meet, exactly one happens.
 * Refunds of a held payment are refused (refund_funds_held); a released one is refunded like any.
 */
import type { Store, Trx } from '../store/database.ts';
import type { Clock } from '../time/clock.ts';
import { formatScaled } from '../money/decimal.ts';
import { postB2bRelease, postB2bReturn } from '../ledger/postings.ts';
import type { StateMover } from '../lifecycle/state-mover.ts';
import type { TimelineRepository } from '../lifecycle/timeline-repository.ts';
import { advanceDue } from '../lifecycle/due-steps.ts';
import type { CorporateBank, FxFeed } from '../channels/channels.ts';
import { refuse } from '../errors/domain-error.ts';
import { isCurrency } from '../money/currencies.ts';
import type { PaymentRepository } from './payment-repository.ts';
import type { PaymentRecord } from './payment-record.ts';
import { PAYMENT_MACHINE } from './payment-state.ts';
import type { PaymentPresenter } from './payment-view.ts';

/** How long after a failed return of a cancelled payment's money it is tried again. */
export const RETURN_RETRY_MS = 30_000;

/**
 * What the documents' approval needs (the port the documents module defines): releases a held
 * payment's CNY inside the approval's own transaction.
 */
export interface FundsRelease {
  /**
   * The rate a release of `paymentId` would lock now (CNY per unit of its order currency), asked of
   * the FX feed before the approval's transaction; exchange_rate_unavailable when the feed has none.
   */
  releaseRate(paymentId: string): Promise<string>;
  /**
   * Releases the held CNY of `paymentId` at `rate` (CNY per unit of the order currency, the rate of
   * the approval) within `trx`: false when the payment is not held (released already, cancelled,
   * not B2B), and then nothing is written.
   */
  release(trx: Trx, paymentId: string, now: number, rate: string): Promise<boolean>;
}

export interface HeldFundsDeps {
  readonly store: Store;
  readonly payments: PaymentRepository;
  readonly timeline: TimelineRepository;
  readonly mover: StateMover;
  readonly presenter: PaymentPresenter;
  readonly bank: CorporateBank;
  readonly fx: FxFeed;
  readonly clock: Clock;
}

export class HeldFunds implements FundsRelease {
  readonly #deps: HeldFundsDeps;
  constructor(deps: HeldFundsDeps) {
    this.#deps = deps;
  }

  async releaseRate(paymentId: string): Promise<string> {
    const payment = await this.#deps.payments.findById(paymentId);
    const currency = payment?.currency;
    const quoted = currency !== undefined && isCurrency(currency) ? await this.#deps.fx.rate(currency) : undefined;
    return quoted?.rate ?? refuse('exchange_rate_unavailable', `no exchange rate for ${currency ?? paymentId}`);
  }

  async release(trx: Trx, paymentId: string, now: number, rate: string): Promise<boolean> {
    const { payments, timeline } = this.#deps;
    const released = await payments.releaseHeld(trx, paymentId, now, rate);
    if (!released) return false;
    const cny = released.total_cny_minor;
    await postB2bRelease(trx, { paymentId, merchantId: released.merchant_id, cnyMinor: cny, rate, now });
    const detail = `${formatScaled(cny, 2)} CNY released at ${rate} ${released.currency}`;
    await timeline.record(trx, { paymentId, type: 'funds_released', detail }, now);
    return true;
  }

  /**
   * The document window's end for one held payment: TRADE_CANCEL with its entry and notification in
   * one transaction, then the money back to the company. The cancelled record, or undefined when it
   * was released (or cancelled by another process) first, or its window has not passed.
   */
  async cancelIfPastWindow(record: PaymentRecord): Promise<PaymentRecord | undefined> {
    const { mover, payments, presenter, clock } = this.#deps;
    const now = clock.now();
    const moved = await mover.apply({
      machine: PAYMENT_MACHINE,
      from: { state: 'TRADE_SUCCESS', stage: 'done', funds: 'held' },
      to: { state: 'TRADE_CANCEL', stage: 'done' },
      now,
      update: (trx) => payments.cancelHeld(trx, record.id, now),
      after: async (trx, cancelled) => {
        await postB2bReturn(trx, {
          paymentId: cancelled.id,
          merchantId: cancelled.merchant_id,
          cnyMinor: cancelled.total_cny_minor,
          now,
        });
      },
      event: (cancelled) => ({ paymentId: cancelled.id, type: 'TRADE_CANCEL', detail: 'documents_window_passed' }),
      notification: (cancelled) => ({
        merchantId: cancelled.merchant_id,
        objectType: 'payment',
        objectId: cancelled.id,
        url: cancelled.notify_url,
        payload: { payment: presenter.presentAndKeep(cancelled) },
      }),
    });
    if (moved) await this.returnFunds(moved);
    return moved;
  }

  /** The window worker's pass: cancels up to `limit` held payments past their window. */
  async cancelDueBatch(limit = 100, onError?: (paymentId: string, error: unknown) => void): Promise<number> {
    const due = await this.#deps.payments.heldPastWindow(this.#deps.clock.now(), limit);
    return advanceDue(due, async (record) => (await this.cancelIfPastWindow(record)) !== undefined, onError);
  }

  /**
   * Asks the corporate bank to pay a cancelled payment's CNY back to the company (idempotent per
   * payment at the bank). True once the bank confirmed it; a failure or a pending answer is tried
   * again (`funds_return_retry_at`) by `returnDueBatch`.
   */
  async returnFunds(record: PaymentRecord): Promise<boolean> {
    const { store, payments, timeline, bank, clock } = this.#deps;
    const now = clock.now();
    let result;
    try {
      result = await bank.returnFunds({
        returnId: record.id,
        paymentId: record.id,
        amountFen: record.total_cny_minor,
        now,
      });
    } catch {
      await store.write((trx) => payments.returnAgainAt(trx, record.id, now + RETURN_RETRY_MS));
      return false;
    }
    if (result.outcome === 'pending') {
      await store.write((trx) => payments.returnAgainAt(trx, record.id, result.retryAt));
      return false;
    }
    await store.write(async (trx) => {
      if (!(await payments.returnDone(trx, record.id, now))) return;
      const detail = `${formatScaled(record.total_cny_minor, 2)} CNY back to the company's account`;
      await timeline.record(trx, { paymentId: record.id, type: 'funds_returned', detail }, now);
    });
    return true;
  }

  /** The window worker's pass over returns not confirmed yet (a bank that failed or had no answer). */
  async returnDueBatch(limit = 100, onError?: (paymentId: string, error: unknown) => void): Promise<number> {
    const due = await this.#deps.payments.returnsDue(this.#deps.clock.now(), limit);
    return advanceDue(due, (record) => this.returnFunds(record), onError);
  }
}
