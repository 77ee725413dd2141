/**
 * Refunds: POST /payments/payment/{id}/refund and GET /payments/refund/{id}, and the background
 * step that collects the channel's answers.
 *
 * Rules:
 * - only a TRADE_SUCCESS payment can be refunded (00060766); in its currency (00202011); full or
 *   partial, several times; the amounts of a refund add up (00202009); the non-failed refunds of a
 *   payment never take more than it (00202010), enforced by one conditional update of
 *   `payments.refunded_minor` (`refunded_minor + amount <= amount_minor`), so concurrent refunds
 *   cannot exceed the payment whatever their interleaving;
 * - the refund's CNY is its amount at the payment's locked rate, ROUND_HALF_UP, never more than the
 *   CNY not yet given back; the refund that completes the payment's amount takes exactly the CNY
 *   left, so a fully refunded payment gives back exactly its total_cny (no fen lost to rounding);
 * - the merchant's refund number (mer_reference_id + mer_date) is unique per merchant (00060744).
 *
 * States: REFUND_PROCESS -> REFUND_SUCCESS | REFUND_FAIL, through the sandbox channel of the method
 * the payer paid with (card bank, WeChat Pay, Alipay). Every change commits in one transaction with
 * its ledger entry (ledger/postings.ts), its event on the payment's timeline and, for the final
 * states, the signed `{"refund":{...}}` notification to the refund's notify_url. A failed refund
 * releases its amount (refundable again).
 */
import { sql } from 'kysely';
import type { GatewayContext } from '../context.ts';
import { apiUrl } from '../context.ts';
import { toMinor } from '../store/schema.ts';
import { randomId } from '../store/ids.ts';
import { isUniqueViolation } from '../store/unique-violation.ts';
import { RET, UmfError, type RetCodeEntry } from '../errors/catalogue.ts';
import type { Merchant } from '../merchants/merchant-service.ts';
import { isCurrency, type Currency } from '../money/currencies.ts';
import { convertToCny, formatAmount, formatScaled, parseAmount, parseRate } from '../money/decimal.ts';
import { postRefundAccepted, postRefundFailed, postRefundSucceeded } from '../ledger/postings.ts';
import type { RefundRequest, RefundResult } from '../channels/channels.ts';
import type { PaymentRow } from '../payments/payment-view.ts';
import { parseRefundRequest, refundOrderView, type RefundDraft } from './refund-request.ts';
import { renderRefund, type RefundRow, type RefundState } from './refund-view.ts';
import { findMerchantPayment } from '../payments/merchant-payment.ts';
import type { Resumable } from '../payments/payment-service.ts';
import { recordPaymentEvent } from '../payments/payment-timeline.ts';
import { applyStateMove } from '../lifecycle/state-move.ts';
import { advanceDue } from '../workers/due-steps.ts';

const CARD_METHODS = ['CREDIT_CARD', 'DEBIT_CARD'];
const WALLET_METHODS = ['WECHAT_SCAN', 'ALIPAY_SCAN', 'WECHAT_WEB', 'WECHAT_IN_APP'];

/** The refund state machine: the only moves there are. */
const REFUND_TRANSITIONS: Readonly<Record<RefundState, readonly RefundState[]>> = {
  REFUND_PROCESS: ['REFUND_SUCCESS', 'REFUND_FAIL'],
  REFUND_SUCCESS: [],
  REFUND_FAIL: [],
  REFUND_CLOSE: [],
};

/** Thrown inside the reserving transaction when the conditional update matched no row. */
class NotReserved extends Error {}

export class RefundService {
  readonly #ctx: GatewayContext;
  readonly #notify: () => void;
  constructor(ctx: GatewayContext, notify: () => void) {
    this.#ctx = ctx;
    this.#notify = notify;
  }

  get #api(): string {
    return apiUrl(this.#ctx, '');
  }

  render(row: RefundRow): Record<string, unknown> {
    return renderRefund(row, this.#api);
  }

  // ---- create -------------------------------------------------------------------------------

  async create(
    merchant: Merchant,
    paymentId: string,
    body: Record<string, unknown>,
    options: Resumable = {},
  ): Promise<RefundRow> {
    const { db, clock } = this.#ctx;
    const payment = await findMerchantPayment(db, merchant, paymentId);
    if (!isCurrency(payment.currency)) throw new UmfError(RET.SYSTEM_ERROR);
    const currency = payment.currency;
    const draft = parseRefundRequest(body, currency);
    if (options.resumed) {
      // The crashed first attempt of this very request may have created it: answer with that refund
      // (before the amount checks, which it now takes part in).
      const first = await db
        .selectFrom('refunds')
        .selectAll()
        .where('merchant_id', '=', merchant.id)
        .where('mer_reference_id', '=', draft.merReferenceId)
        .where('mer_date', '=', draft.merDate)
        .executeTakeFirst();
      if (first && first.payment_id === payment.id && toMinor(first.amount_minor) === draft.amountMinor) return first;
    }
    if (draft.parentPayment !== undefined && draft.parentPayment !== payment.id) {
      throw new UmfError(
        RET.VALIDATION,
        `parent_payment ${draft.parentPayment} is not the payment of the URL (${payment.id})`,
      );
    }
    if (payment.state !== 'TRADE_SUCCESS')
      throw new UmfError(
        RET.NO_REFUND_ALLOWED,
        `the payment is ${payment.state}, only a TRADE_SUCCESS payment can be refunded`,
      );
    const channel = payment.channel ?? payment.payment_method;
    if (!CARD_METHODS.includes(channel) && !WALLET_METHODS.includes(channel))
      throw new UmfError(RET.NO_REFUND_ALLOWED, `${channel} payments cannot be refunded on this gateway yet`);
    const amountMinor = toMinor(payment.amount_minor);
    if (draft.orgAmountMinor !== undefined && draft.orgAmountMinor !== amountMinor) {
      throw new UmfError(
        RET.REFUND_AMOUNT_INCONSISTENT,
        `org_amount is ${formatAmount(draft.orgAmountMinor, currency)} but the payment is ${formatAmount(amountMinor, currency)} ${currency}`,
      );
    }
    checkAgainstPayment(draft, payment);
    const left = amountMinor - toMinor(payment.refunded_minor);
    if (draft.amountMinor > left) throw overRefund(draft.amountMinor, left, amountMinor, currency);
    const duplicate = await db
      .selectFrom('refunds')
      .select('id')
      .where('merchant_id', '=', merchant.id)
      .where('mer_reference_id', '=', draft.merReferenceId)
      .where('mer_date', '=', draft.merDate)
      .executeTakeFirst();
    if (duplicate)
      throw new UmfError(RET.DUPLICATE_REFUND, `${draft.merReferenceId} / ${draft.merDate} is refund ${duplicate.id}`);
    const rate = parseRate(payment.exchange_rate);
    if (!rate) throw new UmfError(RET.SYSTEM_ERROR);

    const now = clock.now();
    const id = randomId('REFUND_');
    let accepted: RefundRow;
    try {
      accepted = await db.transaction().execute(async (trx) => {
        // Reserve the amount: one conditional update, so concurrent refunds can never take more than the payment.
        const reserved = await trx
          .updateTable('payments')
          .set({ refunded_minor: sql<bigint>`refunded_minor + ${draft.amountMinor}` })
          .where('id', '=', payment.id)
          .where('state', '=', 'TRADE_SUCCESS')
          .where(sql<boolean>`refunded_minor + ${draft.amountMinor} <= amount_minor`)
          .returning(['refunded_minor', 'refunded_cny_minor', 'amount_minor', 'total_cny_minor'])
          .executeTakeFirst();
        if (!reserved) throw new NotReserved();
        const cnyLeft = toMinor(reserved.total_cny_minor) - toMinor(reserved.refunded_cny_minor);
        const completes = toMinor(reserved.refunded_minor) === toMinor(reserved.amount_minor);
        const converted = convertToCny(draft.amountMinor, currency, rate);
        const cny = completes ? cnyLeft : converted < cnyLeft ? converted : cnyLeft;
        const cnyReserved = await trx
          .updateTable('payments')
          .set({ refunded_cny_minor: sql<bigint>`refunded_cny_minor + ${cny}` })
          .where('id', '=', payment.id)
          .where(sql<boolean>`refunded_cny_minor + ${cny} <= total_cny_minor`)
          .executeTakeFirst();
        if (cnyReserved.numUpdatedRows !== 1n)
          throw new Error(`refund ${id}: the CNY reservation of ${cny} fen does not fit payment ${payment.id}`);
        const inserted = await trx
          .insertInto('refunds')
          .values({
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
            error_code: null,
            error_msg: null,
            created_at: now,
            updated_at: now,
            completed_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await postRefundAccepted(trx, {
          refundId: id,
          paymentId: payment.id,
          merchantId: merchant.id,
          cnyMinor: cny,
          now,
        });
        await recordPaymentEvent(
          trx,
          payment.id,
          now,
          'refund_accepted',
          `${id} ${formatAmount(draft.amountMinor, currency)} ${currency} = ${formatScaled(cny, 2)} CNY${completes ? ' (completes the payment)' : ''}`,
        );
        return inserted;
      });
    } catch (error) {
      if (error instanceof NotReserved) {
        const current = await findMerchantPayment(db, merchant, paymentId);
        if (current.state !== 'TRADE_SUCCESS')
          throw new UmfError(RET.NO_REFUND_ALLOWED, `the payment is ${current.state}`);
        throw overRefund(
          draft.amountMinor,
          toMinor(current.amount_minor) - toMinor(current.refunded_minor),
          toMinor(current.amount_minor),
          currency,
        );
      }
      if (isUniqueViolation(error))
        throw new UmfError(RET.DUPLICATE_REFUND, `${draft.merReferenceId} / ${draft.merDate}`);
      throw error;
    }

    // Submit to the channel now; if that fails or has no answer yet, the refund job asks again.
    try {
      await this.advance(accepted);
    } catch {
      // Left REFUND_PROCESS with resolve_at due: the refund job retries.
    }
    return this.#get(id);
  }

  // ---- query --------------------------------------------------------------------------------

  /** A merchant's refund (404 for anyone else's). */
  async get(merchant: Merchant, refundId: string): Promise<RefundRow> {
    if (!/^REFUND_[A-Z0-9]{1,40}$/.test(refundId)) throw new UmfError(RET.REFUND_NOT_FOUND);
    const row = await this.#ctx.db
      .selectFrom('refunds')
      .selectAll()
      .where('id', '=', refundId)
      .where('merchant_id', '=', merchant.id)
      .executeTakeFirst();
    if (!row) throw new UmfError(RET.REFUND_NOT_FOUND);
    return row;
  }

  // ---- the channel's answers ---------------------------------------------------------------------

  /**
   * Asks the channel about one REFUND_PROCESS refund and applies its answer: a final one moves the
   * refund (once: the state change is conditional), "pending" schedules the next question.
   * Returns true when the refund reached a final state.
   */
  async advance(row: RefundRow): Promise<boolean> {
    if (row.state !== 'REFUND_PROCESS') return false;
    const { db, clock, channels } = this.#ctx;
    const payment = await db
      .selectFrom('payments')
      .select(['card_fingerprint'])
      .where('id', '=', row.payment_id)
      .executeTakeFirstOrThrow();
    const now = clock.now();
    const request: RefundRequest = {
      refundId: row.id,
      paymentId: row.payment_id,
      method: row.channel,
      cardFingerprint: payment.card_fingerprint ?? undefined,
      amountFen: toMinor(row.cny_minor),
      amountMinor: toMinor(row.amount_minor),
      currency: row.currency as Currency,
      requestedAt: Number(row.created_at),
      now,
    };
    const result: RefundResult = CARD_METHODS.includes(row.channel)
      ? await channels.cardBank.refund(request)
      : await channels.wallet.refund(request);
    if (result.outcome === 'pending') {
      await db
        .updateTable('refunds')
        .set({ resolve_at: result.retryAt })
        .where('id', '=', row.id)
        .where('state', '=', 'REFUND_PROCESS')
        .execute();
      return false;
    }
    return this.#finish(
      row,
      result.outcome === 'success' ? 'REFUND_SUCCESS' : 'REFUND_FAIL',
      now,
      result.outcome === 'failed' ? result.error : undefined,
    );
  }

  /** The refund job's pass: every REFUND_PROCESS refund whose channel answer is due. */
  async resolveDueBatch(limit = 100, onError?: (refundId: string, error: unknown) => void): Promise<number> {
    const now = this.#ctx.clock.now();
    const rows = await this.#ctx.db
      .selectFrom('refunds')
      .selectAll()
      .where('state', '=', 'REFUND_PROCESS')
      .where('resolve_at', '<=', now)
      .orderBy('resolve_at')
      .limit(limit)
      .execute();
    return advanceDue(rows, (row) => this.advance(row), onError);
  }

  // ---- internals --------------------------------------------------------------------------------

  /**
   * Moves a refund to its final state (state-move.ts: conditional on the state it was read in, in one
   * transaction with its ledger entry, the release of a failed refund's amount, its event and its
   * notification).
   */
  async #finish(
    row: RefundRow,
    state: 'REFUND_SUCCESS' | 'REFUND_FAIL',
    now: number,
    error?: RetCodeEntry,
  ): Promise<boolean> {
    const amount = toMinor(row.amount_minor);
    const cny = toMinor(row.cny_minor);
    const posting = { refundId: row.id, paymentId: row.payment_id, merchantId: row.merchant_id, cnyMinor: cny, now };
    return applyStateMove(this.#ctx, this.#notify, {
      table: 'refunds',
      row,
      transitions: REFUND_TRANSITIONS,
      to: state,
      now,
      changes: {
        resolve_at: null,
        completed_at: now,
        error_code: error?.code ?? null,
        error_msg: error?.message ?? null,
      },
      alsoWrite: async (trx) => {
        if (state === 'REFUND_SUCCESS') {
          await postRefundSucceeded(trx, posting);
          return;
        }
        // A failed refund gives its amount back to what can be refunded.
        const released = await trx
          .updateTable('payments')
          .set({
            refunded_minor: sql<bigint>`refunded_minor - ${amount}`,
            refunded_cny_minor: sql<bigint>`refunded_cny_minor - ${cny}`,
          })
          .where('id', '=', row.payment_id)
          .where(sql<boolean>`refunded_minor >= ${amount}`)
          .where(sql<boolean>`refunded_cny_minor >= ${cny}`)
          .executeTakeFirst();
        if (released.numUpdatedRows !== 1n)
          throw new Error(`refund ${row.id}: payment ${row.payment_id} has less reserved than the refund`);
        await postRefundFailed(trx, posting);
      },
      event: { type: state, detail: `${row.id}${error ? ` ${error.code} ${error.message}` : ''}` },
      notification: { objectType: 'refund', render: (updated) => this.render(updated) },
    });
  }

  async #get(id: string): Promise<RefundRow> {
    return this.#ctx.db.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }
}

function overRefund(asked: bigint, left: bigint, paid: bigint, currency: Currency): UmfError {
  return new UmfError(
    RET.REFUND_AMOUNT_INCONSISTENT,
    `${formatAmount(asked, currency)} ${currency} asked, ${formatAmount(left < 0n ? 0n : left, currency)} of the ${formatAmount(paid, currency)} paid is left to refund`,
  );
}

/**
 * The refund's sub-orders against the payment's: a sub-order named by mer_sub_reference_id must be one
 * of the payment's (00202009) and cannot give back more than it cost (00202010); the same for items
 * named by mer_item_id.
 */
function checkAgainstPayment(draft: RefundDraft, payment: PaymentRow): void {
  if (draft.subOrders.length === 0) return;
  const order = JSON.parse(payment.order_json) as {
    sub_orders?: Array<{
      mer_sub_reference_id?: string;
      amount?: { total?: string };
      items?: Array<{ mer_item_id?: string; amount?: { total?: string } }>;
    }>;
  };
  const minorOf = (total: string | undefined): bigint | undefined => {
    const parsed = parseAmount(total, draft.currency);
    return parsed.ok ? parsed.minor : undefined;
  };
  draft.subOrders.forEach((sub, i) => {
    if (sub.mer_sub_reference_id === undefined) return;
    const original = order.sub_orders?.find((s) => s.mer_sub_reference_id === sub.mer_sub_reference_id);
    if (!original)
      throw new UmfError(
        RET.REFUND_AMOUNT_INCORRECT,
        `sub_orders[${i}].mer_sub_reference_id ${sub.mer_sub_reference_id} is not a sub-order of the payment`,
      );
    const originalMinor = minorOf(original.amount?.total);
    if (originalMinor !== undefined && sub.amountMinor > originalMinor) {
      throw new UmfError(
        RET.REFUND_AMOUNT_INCONSISTENT,
        `sub_orders[${i}] gives back ${formatAmount(sub.amountMinor, draft.currency)} but sub-order ${sub.mer_sub_reference_id} cost ${formatAmount(originalMinor, draft.currency)}`,
      );
    }
    sub.items.forEach((item, j) => {
      if (item.mer_item_id === undefined) return;
      const originalItem = original.items?.find((it) => it.mer_item_id === item.mer_item_id);
      if (!originalItem) return;
      const itemMinor = minorOf(originalItem.amount?.total);
      if (itemMinor !== undefined && item.amountMinor > itemMinor) {
        throw new UmfError(
          RET.REFUND_AMOUNT_INCONSISTENT,
          `sub_orders[${i}].items[${j}] gives back ${formatAmount(item.amountMinor, draft.currency)} but item ${item.mer_item_id} cost ${formatAmount(itemMinor, draft.currency)}`,
        );
      }
    });
  });
}
