import type { SignedResult } from '../transport.ts';
import { FINAL_REFUND_STATES } from '../types.ts';
import type {
  Amount,
  CreateRefundParams,
  Refund,
  RefundResponse,
  RefundState,
  RequestOptions,
  WaitForOptions,
} from '../types.ts';
import { requireDate, requireNonEmpty } from '../validation.ts';
import type { ClientContext } from './context.ts';
import { pollUntil } from './polling.ts';
import { checkedObject } from './signed-object.ts';

const DECIMAL_RE = /^\d{1,10}(\.\d{1,2})?$/;

function checkAmount(amount: Amount | undefined, where: string): void {
  if (!amount || typeof amount !== 'object') throw new TypeError(`${where} is required`);
  if (typeof amount.total !== 'string' || !DECIMAL_RE.test(amount.total)) {
    throw new TypeError(
      `${where}.total must be a decimal STRING such as "100.02"; got ${JSON.stringify(amount.total)}`,
    );
  }
  if (typeof amount.currency !== 'string' || !/^[A-Z]{3}$/.test(amount.currency))
    throw new TypeError(`${where}.currency must be an ISO 4217 code such as "USD"`);
}

function validateCreateRefund(params: CreateRefundParams): void {
  if (!params || typeof params !== 'object' || !params.order || typeof params.order !== 'object')
    throw new TypeError('refunds.create: params.order is required');
  const { order } = params;
  requireNonEmpty(order.mer_reference_id, 'order.mer_reference_id (your refund number)');
  requireDate(order.mer_date, 'order.mer_date');
  checkAmount(order.amount, 'order.amount');
  order.sub_orders?.forEach((sub, i) => {
    checkAmount(sub.amount, `order.sub_orders[${i}].amount`);
    sub.items?.forEach((item, j) => checkAmount(item.amount, `order.sub_orders[${i}].items[${j}].amount`));
  });
}

function toRefundResponse(res: SignedResult, operation: string, expectedId?: string): RefundResponse {
  const { object: refund, links } = checkedObject(
    res,
    res.data.refund as Refund | undefined,
    { missing: 'refund object', noun: 'refund' },
    operation,
    expectedId,
  );
  return { refund, links, meta: res.meta };
}

export type RefundPredicate = (refund: Refund) => boolean;

/** `client.refunds`. */
export class Refunds {
  readonly #ctx: ClientContext;
  constructor(ctx: ClientContext) {
    this.#ctx = ctx;
  }

  /**
   * `POST /payments/payment/{paymentId}/refund`: a full or partial refund of a TRADE_SUCCESS payment, in
   * its currency. Sent in the official Java client's shape (`order`, `notify_url`, `parent_payment`).
   * The refund starts `REFUND_PROCESS`; its final state (`REFUND_SUCCESS` / `REFUND_FAIL`) is notified
   * to `notify_url`, or use `waitFor`. The SDK's default Idempotency-Key makes retries safe; a second
   * refund with the same `mer_reference_id` + `mer_date` is refused (UmfConflictError, 00060744).
   */
  async create(paymentId: string, params: CreateRefundParams, options: RequestOptions = {}): Promise<RefundResponse> {
    requireNonEmpty(paymentId, 'paymentId');
    validateCreateRefund(params);
    const path = `/payments/payment/${encodeURIComponent(paymentId)}/refund`;
    const body = { ...params, parent_payment: paymentId };
    const res = await this.#ctx.transport.requestSigned({ method: 'POST', path, body }, options, this.#ctx.tokens);
    return toRefundResponse(res, `POST ${path}`);
  }

  /** `GET /payments/refund/{refundId}`. */
  async get(refundId: string, options: RequestOptions = {}): Promise<RefundResponse> {
    const path = `/payments/refund/${encodeURIComponent(requireNonEmpty(refundId, 'refundId'))}`;
    const res = await this.#ctx.transport.requestSigned({ method: 'GET', path }, options, this.#ctx.tokens);
    return toRefundResponse(res, `GET ${path}`, refundId);
  }

  /**
   * Polls `get` until the refund satisfies `until` (a predicate, a state, a list of states; default: any
   * final state) and returns it. Throws UmfWaitTimeoutError after `timeoutMs` (default 60 s).
   */
  async waitFor(
    refundId: string,
    until: RefundPredicate | RefundState | readonly RefundState[] = FINAL_REFUND_STATES,
    options: WaitForOptions = {},
  ): Promise<Refund> {
    requireNonEmpty(refundId, 'refundId');
    return pollUntil(
      async (signal) => (await this.get(refundId, { signal })).refund,
      until,
      options,
      `refunds.waitFor: refund ${refundId}`,
    );
  }
}
