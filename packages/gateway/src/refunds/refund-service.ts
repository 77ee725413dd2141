/**
 * Refunds (reference 2.6, 3.7-3.8): create, query, and the background step that collects the
 * channel's answers.
 *
 * Rules:
 * - only a TRADE_SUCCESS payment can be refunded (refund_not_allowed); in its currency
 *   (refund_currency_mismatch); full or partial, several times; the amounts of a refund add up
 *   (refund_amount_incorrect); the non-failed refunds of a payment never take more than it
 *   (over_refund), enforced by one conditional update of `payments.refunded_minor`, so concurrent
 *   refunds cannot exceed the payment whatever their interleaving;
 * - the refund's CNY is its amount at the payment's locked rate, ROUND_HALF_UP, never more than the
 *   CNY not yet given back; the refund that completes the payment's amount takes exactly the CNY
 *   left, so a fully refunded payment gives back exactly its total_cny (no fen lost to rounding);
 * - the merchant's refund number (mer_reference_id + mer_date) is unique per merchant
 *   (duplicate_refund).
 *
 * States: REFUND_PROCESS -> REFUND_SUCCESS | REFUND_FAIL (REFUND_MACHINE), through the channel the
 * payer paid with (REFUND_CHANNELS). Every move is a state move (lifecycle/state-mover.ts) that
 * commits with its ledger entry (ledger/postings.ts), its event on the payment's timeline and, for
 * the final states, the signed `{"refund":{...}}` notification. A failed refund releases its amount.
 */
import type { Store } from '../store/database.ts';
import { randomId } from '../store/ids.ts';
import { isUniqueViolation } from '../store/unique-violation.ts';
import type { Clock } from '../time/clock.ts';
import { refuse, type Reason } from '../errors/domain-error.ts';
import type { Merchant } from '../merchants/merchant.ts';
import type { Currency } from '../money/currencies.ts';
import { convertToCny, formatAmount, formatScaled, parseAmount, parseRate } from '../money/decimal.ts';
import { postRefundAccepted, postRefundFailed, postRefundSucceeded } from '../ledger/postings.ts';
import type { Channels, RefundChannel, RefundRequest } from '../channels/channels.ts';
import type { StateMover } from '../lifecycle/state-mover.ts';
import { advanceDue } from '../lifecycle/due-steps.ts';
import type { TimelineRepository } from '../lifecycle/timeline-repository.ts';
import type { PaymentRepository } from '../payments/payment-repository.ts';
import type { PaymentRecord } from '../payments/payment-record.ts';
import type { PaymentService, Resumable } from '../payments/payment-service.ts';
import { parseRefundRequest, refundOrderView, type RefundDraft } from './refund-request.ts';
import type { OutboundPolicy } from '../outbound/outbound-policy.ts';
import { outboundUrl } from '../validation/request-fields.ts';
import type { RefundRepository } from './refund-repository.ts';
import { REFUND_MACHINE, type RefundRecord } from './refund-record.ts';

/** The channel that pays a refund back, by the method the payer paid with. */
export const REFUND_CHANNELS: Readonly<Record<string, (channels: RefundChannels) => RefundChannel>> = {
  CREDIT_CARD: (c) => c.cardBank,
  DEBIT_CARD: (c) => c.cardBank,
  WECHAT_SCAN: (c) => c.wallet,
  ALIPAY_SCAN: (c) => c.wallet,
  WECHAT_WEB: (c) => c.wallet,
  WECHAT_IN_APP: (c) => c.wallet,
  B2B_ONLINE_BANKING: (c) => c.corporateBank,
  B2C_ONLINE_BANKING: (c) => c.corporateBank,
};

export type RefundChannels = Pick<Channels, 'cardBank' | 'wallet' | 'corporateBank'>;

export interface RefundServiceDeps {
  readonly store: Store;
  readonly refunds: RefundRepository;
  readonly payments: PaymentRepository;
  readonly paymentService: PaymentService;
  readonly timeline: TimelineRepository;
  readonly mover: StateMover;
  readonly channels: RefundChannels;
  /** Renders a refund for its notification (refund-view.ts). */
  readonly render: (refund: RefundRecord) => Record<string, unknown>;
  readonly clock: Clock;
  /** Where notify_url (and ret_url) may point (outbound/outbound-policy.ts). */
  readonly outbound: OutboundPolicy;
}

/** Thrown inside the reserving transaction when the conditional update matched no row. */
class NotReserved extends Error {}

const REFUND_ID = /^REFUND_[A-Z0-9]{1,40}$/;

export class RefundService {
  readonly #deps: RefundServiceDeps;
  constructor(deps: RefundServiceDeps) {
    this.#deps = deps;
  }

  // ---- create -------------------------------------------------------------------------------

  async create(merchant: Merchant, paymentId: string, body: Record<string, unknown>, options: Resumable = {}) {
    const { store, refunds, payments, paymentService, timeline, clock } = this.#deps;
    const payment = await paymentService.ofMerchant(merchant, paymentId);
    const currency = payment.currency;
    const draft = parseRefundRequest(body, currency);
    await outboundUrl(this.#deps.outbound, draft.notifyUrl, 'notify_url');
    if (options.resumed) {
      // The crashed first attempt of this very request may have created it: answer with that refund
      // (before the amount checks, which it now takes part in).
      const first = await refunds.findByReference(merchant.id, draft.merReferenceId, draft.merDate);
      if (first && first.payment_id === payment.id && first.amount_minor === draft.amountMinor) return first;
    }
    if (draft.parentPayment !== undefined && draft.parentPayment !== payment.id) {
      refuse('invalid_request', `parent_payment ${draft.parentPayment} is not the payment of the URL (${payment.id})`);
    }
    if (payment.state !== 'TRADE_SUCCESS') {
      refuse('refund_not_allowed', `the payment is ${payment.state}, only a TRADE_SUCCESS payment can be refunded`);
    }
    if (payment.funds_state === 'held') {
      refuse('refund_funds_held', "its documents are not approved yet (until then its CNY is not the merchant's)");
    }
    const channel = payment.channel ?? payment.payment_method;
    if (!REFUND_CHANNELS[channel])
      refuse('refund_not_allowed', `${channel} payments cannot be refunded on this gateway yet`);
    const amountMinor = payment.amount_minor;
    if (draft.orgAmountMinor !== undefined && draft.orgAmountMinor !== amountMinor) {
      refuse(
        'over_refund',
        `org_amount is ${formatAmount(draft.orgAmountMinor, currency)} but the payment is ` +
          `${formatAmount(amountMinor, currency)} ${currency}`,
      );
    }
    checkAgainstPayment(draft, payment);
    const left = amountMinor - payment.refunded_minor;
    if (draft.amountMinor > left) refuseOverRefund(draft.amountMinor, left, amountMinor, currency);
    const duplicate = await refunds.findByReference(merchant.id, draft.merReferenceId, draft.merDate);
    if (duplicate) refuse('duplicate_refund', `${draft.merReferenceId} / ${draft.merDate} is refund ${duplicate.id}`);
    const rate = parseRate(payment.exchange_rate);
    if (!rate) throw new Error(`payment ${payment.id} has no usable exchange rate`);

    const now = clock.now();
    const id = randomId('REFUND_');
    let accepted: RefundRecord;
    try {
      accepted = await store.write(async (trx) => {
        const reserved = await payments.reserveRefund(trx, payment.id, draft.amountMinor);
        if (!reserved) throw new NotReserved();
        const cnyLeft = reserved.totalCnyMinor - reserved.refundedCnyMinor;
        const completes = reserved.refundedMinor === reserved.amountMinor;
        const converted = convertToCny(draft.amountMinor, currency, rate);
        const cny = completes ? cnyLeft : converted < cnyLeft ? converted : cnyLeft;
        if (!(await payments.reserveRefundCny(trx, payment.id, cny))) {
          throw new Error(`refund ${id}: the CNY reservation of ${cny} fen does not fit payment ${payment.id}`);
        }
        const inserted = await refunds.insert(trx, {
          id,
          payment_id: payment.id,
          merchant_id: merchant.id,
          mer_reference_id: draft.merReferenceId,
          mer_date: draft.merDate,
          state: 'REFUND_PROCESS',
          currency,
          amount_minor: draft.amountMinor,
          cny_minor: cny,
          exchange_rate: payment.exchange_rate,
          order_json: JSON.stringify(refundOrderView(draft)),
          notify_url: draft.notifyUrl ?? payment.notify_url,
          channel,
          resolve_at: now,
          failure_reason: null,
          failure_detail: null,
          created_at: now,
          updated_at: now,
          completed_at: null,
        });
        await postRefundAccepted(trx, {
          refundId: id,
          paymentId: payment.id,
          merchantId: merchant.id,
          cnyMinor: cny,
          now,
        });
        const amounts = `${formatAmount(draft.amountMinor, currency)} ${currency} = ${formatScaled(cny, 2)} CNY`;
        const detail = `${id} ${amounts}${completes ? ' (completes the payment)' : ''}`;
        await timeline.record(trx, { paymentId: payment.id, type: 'refund_accepted', detail }, now);
        return inserted;
      });
    } catch (error) {
      if (error instanceof NotReserved) {
        const current = await paymentService.ofMerchant(merchant, paymentId);
        if (current.state !== 'TRADE_SUCCESS') refuse('refund_not_allowed', `the payment is ${current.state}`);
        if (current.funds_state === 'held') refuse('refund_funds_held');
        refuseOverRefund(
          draft.amountMinor,
          current.amount_minor - current.refunded_minor,
          current.amount_minor,
          currency,
        );
      }
      if (isUniqueViolation(error)) refuse('duplicate_refund', `${draft.merReferenceId} / ${draft.merDate}`);
      throw error;
    }

    // Submit to the channel now; if that fails or has no answer yet, the refund job asks again.
    try {
      const moved = await this.#advance(accepted, payment.card_fingerprint);
      if (moved) return moved;
    } catch {
      // Left REFUND_PROCESS with resolve_at due: the refund job retries.
    }
    return (await refunds.findById(id)) ?? accepted;
  }

  // ---- query --------------------------------------------------------------------------------

  /** A merchant's refund (refund_not_found for anyone else's). */
  async get(merchant: Merchant, refundId: string): Promise<RefundRecord> {
    if (!REFUND_ID.test(refundId)) refuse('refund_not_found');
    return (await this.#deps.refunds.findOfMerchant(merchant.id, refundId)) ?? refuse('refund_not_found');
  }

  // ---- the channel's answers ---------------------------------------------------------------------

  /**
   * Asks the channel about one REFUND_PROCESS refund and applies its answer: a final one moves the
   * refund (once: the move is guarded), "pending" schedules the next question. Returns true when
   * the refund reached a final state.
   */
  async advance(refund: RefundRecord): Promise<boolean> {
    if (refund.state !== 'REFUND_PROCESS') return false;
    const payment = await this.#deps.payments.findById(refund.payment_id);
    return (await this.#advance(refund, payment?.card_fingerprint ?? null)) !== undefined;
  }

  /** The refund job's pass: every REFUND_PROCESS refund whose channel answer is due. */
  async resolveDueBatch(limit = 100, onError?: (refundId: string, error: unknown) => void): Promise<number> {
    const due = await this.#deps.refunds.due(this.#deps.clock.now(), limit);
    return advanceDue(due, (refund) => this.advance(refund), onError);
  }

  async #advance(refund: RefundRecord, cardFingerprint: string | null): Promise<RefundRecord | undefined> {
    const { store, refunds, channels, clock } = this.#deps;
    const now = clock.now();
    const request: RefundRequest = {
      refundId: refund.id,
      paymentId: refund.payment_id,
      method: refund.channel,
      cardFingerprint: cardFingerprint ?? undefined,
      amountFen: refund.cny_minor,
      amountMinor: refund.amount_minor,
      currency: refund.currency,
      requestedAt: refund.created_at,
      now,
    };
    const channel = REFUND_CHANNELS[refund.channel];
    if (!channel) throw new Error(`refund ${refund.id}: no refund channel for ${refund.channel}`);
    const result = await channel(channels).refund(request);
    if (result.outcome === 'pending') {
      await store.write((trx) => refunds.askAgainAt(trx, refund.id, result.retryAt));
      return undefined;
    }
    return this.#finish(
      refund,
      result.outcome === 'success' ? 'REFUND_SUCCESS' : 'REFUND_FAIL',
      now,
      result.outcome === 'failed' ? result.reason : undefined,
    );
  }

  /**
   * Moves a refund to its final state, in one transaction with its ledger entry, the release of a
   * failed refund's amount, its event and its notification.
   */
  #finish(refund: RefundRecord, state: 'REFUND_SUCCESS' | 'REFUND_FAIL', now: number, failure?: Reason) {
    const { refunds, payments, mover, render } = this.#deps;
    const posting = {
      refundId: refund.id,
      paymentId: refund.payment_id,
      merchantId: refund.merchant_id,
      cnyMinor: refund.cny_minor,
      now,
    };
    return mover.apply({
      machine: REFUND_MACHINE,
      from: refund.state,
      to: state,
      now,
      update: (trx) =>
        refunds.move(
          trx,
          refund.id,
          refund.state,
          state,
          { resolve_at: null, completed_at: now, failure_reason: failure ?? null, failure_detail: null },
          now,
        ),
      after: async (trx) => {
        if (state === 'REFUND_SUCCESS') {
          await postRefundSucceeded(trx, posting);
          return;
        }
        // A failed refund gives its amount back to what can be refunded.
        if (!(await payments.releaseRefund(trx, refund.payment_id, refund.amount_minor, refund.cny_minor))) {
          throw new Error(`refund ${refund.id}: payment ${refund.payment_id} has less reserved than the refund`);
        }
        await postRefundFailed(trx, posting);
      },
      event: () => ({
        paymentId: refund.payment_id,
        type: state,
        detail: `${refund.id}${failure ? ` ${failure}` : ''}`,
      }),
      notification: (moved) => ({
        merchantId: moved.merchant_id,
        objectType: 'refund',
        objectId: moved.id,
        url: moved.notify_url,
        payload: { refund: render(moved) },
      }),
    });
  }
}

function refuseOverRefund(asked: bigint, left: bigint, paid: bigint, currency: Currency): never {
  return refuse(
    'over_refund',
    `${formatAmount(asked, currency)} ${currency} asked, ${formatAmount(left < 0n ? 0n : left, currency)} of the ` +
      `${formatAmount(paid, currency)} paid is left to refund`,
  );
}

interface StoredSubOrder {
  mer_sub_reference_id?: string;
  amount?: { total?: string };
  items?: Array<{ mer_item_id?: string; amount?: { total?: string } }>;
}

/**
 * The refund's sub-orders against the payment's: a sub-order named by mer_sub_reference_id must be one
 * of the payment's (refund_amount_incorrect) and cannot give back more than it cost (over_refund); the
 * same for items named by mer_item_id.
 */
function checkAgainstPayment(draft: RefundDraft, payment: PaymentRecord): void {
  if (draft.subOrders.length === 0) return;
  const order = JSON.parse(payment.order_json) as { sub_orders?: StoredSubOrder[] };
  const minorOf = (total: string | undefined): bigint | undefined => {
    const parsed = parseAmount(total, draft.currency);
    return parsed.ok ? parsed.minor : undefined;
  };
  const money = (minor: bigint) => formatAmount(minor, draft.currency);
  draft.subOrders.forEach((sub, i) => {
    if (sub.mer_sub_reference_id === undefined) return;
    const original = order.sub_orders?.find((s) => s.mer_sub_reference_id === sub.mer_sub_reference_id);
    if (!original) {
      refuse(
        'refund_amount_incorrect',
        `sub_orders[${i}].mer_sub_reference_id ${sub.mer_sub_reference_id} is not a sub-order of the payment`,
      );
    }
    const originalMinor = minorOf(original.amount?.total);
    if (originalMinor !== undefined && sub.amountMinor > originalMinor) {
      refuse(
        'over_refund',
        `sub_orders[${i}] gives back ${money(sub.amountMinor)} but sub-order ${sub.mer_sub_reference_id} cost ` +
          money(originalMinor),
      );
    }
    sub.items.forEach((item, j) => {
      if (item.mer_item_id === undefined) return;
      const originalItem = original.items?.find((it) => it.mer_item_id === item.mer_item_id);
      if (!originalItem) return;
      const itemMinor = minorOf(originalItem.amount?.total);
      if (itemMinor !== undefined && item.amountMinor > itemMinor) {
        refuse(
          'over_refund',
          `sub_orders[${i}].items[${j}] gives back ${money(item.amountMinor)} but item ${item.mer_item_id} cost ` +
            money(itemMinor),
        );
      }
    });
  });
}
