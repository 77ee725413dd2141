/**
 * Customs declarations: POST /payments/payment/{id}/apply_to_customs, GET
 * /payments/customs_declarations/{id}, the customs list file, and the background step that hands
 * declarations to the customs office and collects its answers (reference 3.9-3.10, 3.14).
 *
 * Rules (request shape: customs-request.ts):
 * - the payment must be the calling merchant's (00060760, 404 otherwise) and TRADE_SUCCESS
 *   (00060764);
 * - declarations are accepted within one month of the order: today (China date) at most one
 *   calendar month after the payment's `mer_date` (the 31st of a shorter month is its last day;
 *   00202017 afterwards);
 * - the sub-order must be one of the payment's (00202015) and was marked `is_customs` when the
 *   payment was created (00202014); every declared item must be an item of that sub-order
 *   (00202016);
 * - a sub-order has at most one declaration that has not failed (00202013): checked first for a
 *   clear message, and enforced by the partial unique index `customs_one_live_per_sub_order` on
 *   (payment_id, mer_sub_reference_id) WHERE state <> 'FAIL', so concurrent declarations of one
 *   sub-order cannot both be accepted. After a FAIL, the sub-order can be declared again.
 *
 * States: ACCEPTED -> SUBMITED -> SUCCESS | FAIL (CUSTOMS_TRANSITIONS, the only moves), through the
 * customs channel (channels.ts CustomsChannel; the sandbox is sandbox-customs.ts). Every move is a
 * conditional update (`WHERE state = :from`), so several processes working on the same declaration
 * apply it once; it commits in one transaction with its event on the payment's timeline and, for the
 * final states, the signed `{"customs_declaration":{...}}` notification to the declaration's
 * notify_url.
 */
import type { GatewayContext } from '../context.ts';
import { apiUrl } from '../context.ts';
import { randomId } from '../store/ids.ts';
import { isUniqueViolation } from '../store/unique-violation.ts';
import { RET, UmfError, type RetCodeEntry } from '../errors/catalogue.ts';
import type { Merchant } from '../merchants/merchant-service.ts';
import { isCurrency } from '../money/currencies.ts';
import { parseAmount, parseRate } from '../money/decimal.ts';
import type { CustomsSubmission } from '../channels/channels.ts';
import type { SignedFile } from '../http/signed-file.ts';
import type { PaymentRow } from '../payments/payment-view.ts';
import { chinaDate } from '../time/china-time.ts';
import { customsDeclarationView, parseCustomsRequest, type CustomsDraft } from './customs-request.ts';
import { renderCustomsDeclaration, type CustomsRow, type CustomsState } from './customs-view.ts';
import { customsFile } from './customs-file.ts';
import { findMerchantPayment } from '../payments/merchant-payment.ts';
import { recordPaymentEvent } from '../payments/payment-timeline.ts';
import { applyStateMove } from '../lifecycle/state-move.ts';
import { advanceDue } from '../workers/due-steps.ts';

/** The customs declaration state machine: the only moves there are. */
export const CUSTOMS_TRANSITIONS: Readonly<Record<CustomsState, readonly CustomsState[]>> = {
  ACCEPTED: ['SUBMITED'],
  SUBMITED: ['SUCCESS', 'FAIL'],
  SUCCESS: [],
  FAIL: [],
};

const FINAL_STATES: readonly CustomsState[] = ['SUCCESS', 'FAIL'];

/**
 * The last China date (YYYYMMDD) on which an order of `merDate` can be declared: the same day one
 * calendar month later, or the last day of that month when it is shorter (20260131 -> 20260228).
 */
export function lastCustomsDate(merDate: string): string {
  const y = Number(merDate.slice(0, 4));
  const m = Number(merDate.slice(4, 6));
  const d = Number(merDate.slice(6, 8));
  const year = m === 12 ? y + 1 : y;
  const month = m === 12 ? 1 : m + 1;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const day = Math.min(d, daysInMonth);
  return `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
}

/** `is_customs` of a stored sub-order: 'TRUE' as payments store it; true / "true" / "Y" / "1" too. */
function isCustomsSubOrder(value: unknown): boolean {
  if (value === true) return true;
  return typeof value === 'string' && ['TRUE', 'Y', '1'].includes(value.trim().toUpperCase());
}

interface StoredSubOrder {
  mer_sub_reference_id?: string;
  is_customs?: unknown;
  items?: Array<{ mer_item_id?: string }>;
}

type FinalFields = { completed_at: number; resolve_at: null; error_code: string | null; error_msg: string | null };
type SubmitFields = { submitted_at: number; resolve_at: number };

export class CustomsService {
  readonly #ctx: GatewayContext;
  readonly #notify: () => void;
  constructor(ctx: GatewayContext, notify: () => void) {
    this.#ctx = ctx;
    this.#notify = notify;
  }

  get #api(): string {
    return apiUrl(this.#ctx, '');
  }

  render(row: CustomsRow): Record<string, unknown> {
    return renderCustomsDeclaration(row, this.#api);
  }

  // ---- declare ------------------------------------------------------------------------------

  async declare(merchant: Merchant, paymentId: string, body: Record<string, unknown>): Promise<CustomsRow> {
    const { db, clock } = this.#ctx;
    const payment = await findMerchantPayment(db, merchant, paymentId);
    const rate = parseRate(payment.exchange_rate);
    if (!isCurrency(payment.currency) || !rate) throw new UmfError(RET.SYSTEM_ERROR);
    const draft = parseCustomsRequest(body, { currency: payment.currency, rate });
    if (payment.state !== 'TRADE_SUCCESS')
      throw new UmfError(
        RET.ORDER_NOT_PAID,
        `the payment is ${payment.state}: only a TRADE_SUCCESS payment can be declared to customs`,
      );
    const now = clock.now();
    const today = chinaDate(now);
    const last = lastCustomsDate(payment.mer_date);
    if (today > last) {
      throw new UmfError(
        RET.CUSTOMS_PERIOD_OVER,
        `the order's mer_date is ${payment.mer_date}: it could be declared until ${last}, today is ${today} (China time)`,
      );
    }
    checkSubOrder(draft, payment);
    const live = await db
      .selectFrom('customs_declarations')
      .select(['id', 'state'])
      .where('payment_id', '=', payment.id)
      .where('mer_sub_reference_id', '=', draft.merSubReferenceId)
      .where('state', '<>', 'FAIL')
      .executeTakeFirst();
    if (live) throw alreadyDeclared(draft, `declaration ${live.id} is ${live.state}`);

    const id = randomId('CUST_');
    try {
      return await db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('customs_declarations')
          .values({
            id,
            payment_id: payment.id,
            merchant_id: merchant.id,
            mer_sub_reference_id: draft.merSubReferenceId,
            customs_id: draft.customsId,
            mer_customs_code: draft.merCustomsCode,
            ec_plat_id: draft.ecPlatId,
            state: 'ACCEPTED',
            declaration_json: JSON.stringify(customsDeclarationView(draft)),
            notify_url: draft.notifyUrl ?? payment.notify_url,
            customs_clearance_date: today,
            resolve_at: now,
            error_code: null,
            error_msg: null,
            created_at: now,
            updated_at: now,
            submitted_at: null,
            completed_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await recordPaymentEvent(
          trx,
          payment.id,
          now,
          'customs_accepted',
          `${id} ${draft.merSubReferenceId} to ${draft.customsId} customs`,
        );
        return inserted;
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw alreadyDeclared(draft, 'another declaration of it was accepted at the same time');
      throw error;
    }
  }

  // ---- query --------------------------------------------------------------------------------

  /** A merchant's declaration (404 for anyone else's). */
  async get(merchant: Merchant, declarationId: string): Promise<CustomsRow> {
    if (!/^CUST_[A-Z0-9]{1,40}$/.test(declarationId)) throw new UmfError(RET.CUSTOMS_NOT_FOUND);
    const row = await this.#ctx.db
      .selectFrom('customs_declarations')
      .selectAll()
      .where('id', '=', declarationId)
      .where('merchant_id', '=', merchant.id)
      .executeTakeFirst();
    if (!row) throw new UmfError(RET.CUSTOMS_NOT_FOUND);
    return row;
  }

  /** The customs list file of the merchant's declarations made on `customsDate` (China date). */
  async downloadFile(merchant: Merchant, customsDate: string): Promise<SignedFile> {
    const rows = await this.#ctx.db
      .selectFrom('customs_declarations as c')
      .innerJoin('payments as p', 'p.id', 'c.payment_id')
      .select([
        'c.id',
        'c.payment_id',
        'p.mer_reference_id',
        'p.mer_date',
        'c.mer_sub_reference_id',
        'c.customs_id',
        'c.mer_customs_code',
        'c.ec_plat_id',
        'c.declaration_json',
        'c.state',
        'c.customs_clearance_date',
        'c.updated_at',
      ])
      .where('c.merchant_id', '=', merchant.id)
      .where('c.customs_clearance_date', '=', customsDate)
      .orderBy('c.created_at')
      .orderBy('c.id')
      .execute();
    const lines = rows.map((r) => {
      const stored = JSON.parse(r.declaration_json) as Record<string, { total_cny: string }>;
      return {
        declarationId: r.id,
        paymentId: r.payment_id,
        merReferenceId: r.mer_reference_id,
        merDate: r.mer_date,
        merSubReferenceId: r.mer_sub_reference_id,
        customsId: r.customs_id,
        merCustomsCode: r.mer_customs_code,
        ecPlatId: r.ec_plat_id,
        subOrderCny: stored.sub_order_amount!.total_cny,
        freightCny: stored.freight_amount!.total_cny,
        taxCny: stored.tax_amount!.total_cny,
        state: r.state,
        customsClearanceDate: r.customs_clearance_date,
        updatedAt: Number(r.updated_at),
      };
    });
    return {
      filename: `CUSTOMS_${merchant.id}_${customsDate}.txt`,
      body: customsFile(merchant.id, customsDate, lines),
    };
  }

  // ---- the customs office --------------------------------------------------------------------

  /**
   * One step of a declaration whose step is due: an ACCEPTED one is handed to the office
   * (-> SUBMITED), a SUBMITED one gets the office's answer (-> SUCCESS | FAIL); "pending" schedules
   * the next try. Returns true when the declaration moved.
   */
  async advance(row: CustomsRow): Promise<boolean> {
    const { clock, channels } = this.#ctx;
    const now = clock.now();
    const submission = this.#submission(row, now);
    if (row.state === 'ACCEPTED') {
      const result = await channels.customs.submit(submission);
      if (result.outcome === 'pending') return this.#retryAt(row, result.retryAt);
      return this.#move(
        row,
        'SUBMITED',
        now,
        { submitted_at: now, resolve_at: result.answerAt },
        `${row.id} to ${row.customs_id} customs`,
      );
    }
    if (row.state === 'SUBMITED') {
      const answer = await channels.customs.inquire({
        ...submission,
        submittedAt: Number(row.submitted_at ?? row.updated_at),
      });
      if (answer.outcome === 'pending') return this.#retryAt(row, answer.retryAt);
      if (answer.outcome === 'success')
        return this.#move(
          row,
          'SUCCESS',
          now,
          { completed_at: now, resolve_at: null, error_code: null, error_msg: null },
          row.id,
        );
      return this.#move(
        row,
        'FAIL',
        now,
        failFields(answer.error, answer.reason, now),
        `${row.id} ${answer.error.code} ${answer.reason}`,
      );
    }
    return false;
  }

  /** The customs job's pass: every ACCEPTED / SUBMITED declaration whose next step is due. */
  async resolveDueBatch(limit = 100, onError?: (declarationId: string, error: unknown) => void): Promise<number> {
    const now = this.#ctx.clock.now();
    const rows = await this.#ctx.db
      .selectFrom('customs_declarations')
      .selectAll()
      .where('state', 'in', ['ACCEPTED', 'SUBMITED'])
      .where('resolve_at', '<=', now)
      .orderBy('resolve_at')
      .limit(limit)
      .execute();
    return advanceDue(rows, (row) => this.advance(row), onError);
  }

  // ---- internals --------------------------------------------------------------------------------

  /**
   * Moves a declaration along CUSTOMS_TRANSITIONS (state-move.ts: conditional on the state it was read
   * in, in one transaction with its event and, for a final state, its notification). False when
   * someone else moved it first.
   */
  async #move(
    row: CustomsRow,
    to: CustomsState,
    now: number,
    fields: SubmitFields | FinalFields,
    detail: string,
  ): Promise<boolean> {
    return applyStateMove(this.#ctx, this.#notify, {
      table: 'customs_declarations',
      row,
      transitions: CUSTOMS_TRANSITIONS,
      to,
      now,
      changes: fields,
      event: { type: `customs_${to.toLowerCase()}`, detail },
      notification: FINAL_STATES.includes(to)
        ? { objectType: 'customs_declaration', render: (updated) => this.render(updated) }
        : undefined,
    });
  }

  async #retryAt(row: CustomsRow, at: number): Promise<false> {
    await this.#ctx.db
      .updateTable('customs_declarations')
      .set({ resolve_at: at })
      .where('id', '=', row.id)
      .where('state', '=', row.state)
      .execute();
    return false;
  }

  #submission(row: CustomsRow, now: number): CustomsSubmission {
    const stored = JSON.parse(row.declaration_json) as {
      sub_order?: { items?: Array<{ mer_item_id: string }> };
    } & Record<string, { total_cny?: string }>;
    const fen = (name: string): bigint => {
      const parsed = parseAmount(stored[name]?.total_cny, 'CNY');
      if (!parsed.ok) throw new Error(`declaration ${row.id}: ${name}.total_cny is not stored`);
      return parsed.minor;
    };
    return {
      declarationId: row.id,
      paymentId: row.payment_id,
      customsId: row.customs_id,
      merCustomsCode: row.mer_customs_code,
      ecPlatId: row.ec_plat_id,
      merSubReferenceId: row.mer_sub_reference_id,
      itemIds: (stored.sub_order?.items ?? []).map((i) => i.mer_item_id),
      subOrderFen: fen('sub_order_amount'),
      freightFen: fen('freight_amount'),
      taxFen: fen('tax_amount'),
      acceptedAt: Number(row.created_at),
      now,
    };
  }
}

function failFields(error: RetCodeEntry, reason: string, now: number): FinalFields {
  return { completed_at: now, resolve_at: null, error_code: error.code, error_msg: `${error.message}: ${reason}` };
}

function alreadyDeclared(draft: CustomsDraft, why: string): UmfError {
  return new UmfError(
    RET.CUSTOMS_ALREADY_DECLARED,
    `sub_order.mer_sub_reference_id ${draft.merSubReferenceId} is already declared (${why}); a new declaration is possible only after a FAIL`,
  );
}

/** The declared sub-order and items against the payment's order as it was created. */
function checkSubOrder(draft: CustomsDraft, payment: PaymentRow): void {
  const order = JSON.parse(payment.order_json) as { sub_orders?: StoredSubOrder[] };
  const sub = order.sub_orders?.find((s) => s.mer_sub_reference_id === draft.merSubReferenceId);
  if (!sub)
    throw new UmfError(
      RET.CUSTOMS_SUB_ORDER_ABSENT,
      `sub_order.mer_sub_reference_id ${draft.merSubReferenceId} is not a sub-order of payment ${payment.id}`,
    );
  if (!isCustomsSubOrder(sub.is_customs)) {
    throw new UmfError(
      RET.CUSTOMS_NOT_REQUIRED,
      `sub_order.mer_sub_reference_id ${draft.merSubReferenceId}: the payment's sub-order was not created with is_customs TRUE`,
    );
  }
  const known = new Set(
    (sub.items ?? []).map((i) => i.mer_item_id).filter((id): id is string => typeof id === 'string'),
  );
  draft.itemIds.forEach((itemId, i) => {
    if (!known.has(itemId)) {
      throw new UmfError(
        RET.CUSTOMS_ITEMS_ABSENT,
        known.size === 0
          ? `sub_order.items[${i}].mer_item_id ${itemId}: sub-order ${draft.merSubReferenceId} of the payment has no items with a mer_item_id`
          : `sub_order.items[${i}].mer_item_id ${itemId} is not an item of sub-order ${draft.merSubReferenceId} (its items: ${[...known].join(' ')})`,
      );
    }
  });
}
