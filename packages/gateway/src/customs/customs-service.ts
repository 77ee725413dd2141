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
import type { Store } from '../store/database.ts';
import { randomId } from '../store/ids.ts';
import { isUniqueViolation } from '../store/unique-violation.ts';
import type { Clock } from '../time/clock.ts';
import { chinaDate } from '../time/china-time.ts';
import { refuse, type Reason } from '../errors/domain-error.ts';
import type { Merchant } from '../merchants/merchant.ts';
import { parseAmount, parseRate } from '../money/decimal.ts';
import type { CustomsChannel, CustomsSubmission } from '../channels/channels.ts';
import type { StateMover } from '../lifecycle/state-mover.ts';
import type { TimelineRepository } from '../lifecycle/timeline-repository.ts';
import { advanceDue } from '../lifecycle/due-steps.ts';
import type { PaymentRecord } from '../payments/payment-record.ts';
import type { PaymentService } from '../payments/payment-service.ts';
import { customsDeclarationView, parseCustomsRequest, type CustomsDraft } from './customs-request.ts';
import type { OutboundPolicy } from '../outbound/outbound-policy.ts';
import { outboundUrl } from '../validation/request-fields.ts';
import type { CustomsChanges, CustomsRepository } from './customs-repository.ts';
import { CUSTOMS_MACHINE, FINAL_CUSTOMS_STATES, type CustomsRecord, type CustomsState } from './customs-record.ts';
import { customsFile } from './customs-file.ts';

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

export interface CustomsServiceDeps {
  readonly store: Store;
  readonly declarations: CustomsRepository;
  readonly paymentService: PaymentService;
  readonly timeline: TimelineRepository;
  readonly mover: StateMover;
  readonly customs: CustomsChannel;
  /** Renders a declaration for its notification (customs-view.ts). */
  readonly render: (declaration: CustomsRecord) => Record<string, unknown>;
  readonly clock: Clock;
  /** Where notify_url (and ret_url) may point (outbound/outbound-policy.ts). */
  readonly outbound: OutboundPolicy;
}

/** A download file: its name and its whole text (http/signed-file.ts signs and sends it). */
export interface CustomsListFile {
  readonly filename: string;
  readonly body: string;
}

const DECLARATION_ID = /^CUST_[A-Z0-9]{1,40}$/;

export class CustomsService {
  readonly #deps: CustomsServiceDeps;
  constructor(deps: CustomsServiceDeps) {
    this.#deps = deps;
  }

  // ---- declare ------------------------------------------------------------------------------

  async declare(merchant: Merchant, paymentId: string, body: Record<string, unknown>): Promise<CustomsRecord> {
    const { store, declarations, paymentService, timeline, clock } = this.#deps;
    const payment = await paymentService.ofMerchant(merchant, paymentId);
    const rate = parseRate(payment.exchange_rate);
    if (!rate) throw new Error(`payment ${payment.id} has no usable exchange rate`);
    const draft = parseCustomsRequest(body, { currency: payment.currency, rate });
    await outboundUrl(this.#deps.outbound, draft.notifyUrl, 'notify_url');
    if (payment.state !== 'TRADE_SUCCESS') {
      refuse(
        'payment_not_paid',
        `the payment is ${payment.state}: only a TRADE_SUCCESS payment can be declared to customs`,
      );
    }
    const now = clock.now();
    const today = chinaDate(now);
    const last = lastCustomsDate(payment.mer_date);
    if (today > last) {
      refuse(
        'customs_window_passed',
        `the order's mer_date is ${payment.mer_date}: it could be declared until ${last}, today is ${today} (China ` +
          `time)`,
      );
    }
    checkSubOrder(draft, payment);
    const live = await declarations.liveOf(payment.id, draft.merSubReferenceId);
    if (live) refuseDeclared(draft, `declaration ${live.id} is ${live.state}`);

    const id = randomId('CUST_');
    try {
      return await store.write(async (trx) => {
        const inserted = await declarations.insert(trx, {
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
          failure_reason: null,
          failure_detail: null,
          created_at: now,
          updated_at: now,
          submitted_at: null,
          completed_at: null,
        });
        const detail = `${id} ${draft.merSubReferenceId} to ${draft.customsId} customs`;
        await timeline.record(trx, { paymentId: payment.id, type: 'customs_accepted', detail }, now);
        return inserted;
      });
    } catch (error) {
      if (isUniqueViolation(error)) refuseDeclared(draft, 'another declaration of it was accepted at the same time');
      throw error;
    }
  }

  // ---- query --------------------------------------------------------------------------------

  /** A merchant's declaration (customs_declaration_not_found for anyone else's). */
  async get(merchant: Merchant, declarationId: string): Promise<CustomsRecord> {
    if (!DECLARATION_ID.test(declarationId)) refuse('customs_declaration_not_found');
    const found = await this.#deps.declarations.findOfMerchant(merchant.id, declarationId);
    return found ?? refuse('customs_declaration_not_found');
  }

  /** The customs list file of the merchant's declarations made on `customsDate` (China date). */
  async listFile(merchant: Merchant, customsDate: string): Promise<CustomsListFile> {
    const rows = await this.#deps.declarations.madeOn(merchant.id, customsDate);
    const lines = rows.map((r) => {
      const stored = JSON.parse(r.declarationJson) as Record<string, { total_cny: string }>;
      return {
        declarationId: r.id,
        paymentId: r.paymentId,
        merReferenceId: r.merReferenceId,
        merDate: r.merDate,
        merSubReferenceId: r.merSubReferenceId,
        customsId: r.customsId,
        merCustomsCode: r.merCustomsCode,
        ecPlatId: r.ecPlatId,
        subOrderCny: stored.sub_order_amount!.total_cny,
        freightCny: stored.freight_amount!.total_cny,
        taxCny: stored.tax_amount!.total_cny,
        state: r.state,
        customsClearanceDate: r.customsClearanceDate,
        updatedAt: r.updatedAt,
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
  async advance(declaration: CustomsRecord): Promise<boolean> {
    const { customs, clock } = this.#deps;
    const now = clock.now();
    const submission = this.#submission(declaration, now);
    if (declaration.state === 'ACCEPTED') {
      const result = await customs.submit(submission);
      if (result.outcome === 'pending') return this.#retryAt(declaration, result.retryAt);
      const changes = { submitted_at: now, resolve_at: result.answerAt };
      return this.#move(
        declaration,
        'SUBMITED',
        now,
        changes,
        `${declaration.id} to ${declaration.customs_id} customs`,
      );
    }
    if (declaration.state === 'SUBMITED') {
      const submittedAt = declaration.submitted_at ?? declaration.updated_at;
      const answer = await customs.inquire({ ...submission, submittedAt });
      if (answer.outcome === 'pending') return this.#retryAt(declaration, answer.retryAt);
      if (answer.outcome === 'success')
        return this.#move(declaration, 'SUCCESS', now, finalFields(now), declaration.id);
      const detail = `${declaration.id} ${answer.reason} ${answer.words}`;
      return this.#move(declaration, 'FAIL', now, finalFields(now, answer.reason, answer.words), detail);
    }
    return false;
  }

  /** The customs job's pass: every ACCEPTED / SUBMITED declaration whose next step is due. */
  async resolveDueBatch(limit = 100, onError?: (declarationId: string, error: unknown) => void): Promise<number> {
    const due = await this.#deps.declarations.due(this.#deps.clock.now(), limit);
    return advanceDue(due, (declaration) => this.advance(declaration), onError);
  }

  // ---- internals --------------------------------------------------------------------------------

  /**
   * Moves a declaration along CUSTOMS_MACHINE (a state move: guarded by the state it was read in, in
   * one transaction with its event and, for a final state, its notification). False when someone
   * else moved it first.
   */
  async #move(declaration: CustomsRecord, to: CustomsState, now: number, changes: CustomsChanges, detail: string) {
    const { declarations, mover, render } = this.#deps;
    const moved = await mover.apply({
      machine: CUSTOMS_MACHINE,
      from: declaration.state,
      to,
      now,
      update: (trx) => declarations.move(trx, declaration.id, declaration.state, to, changes, now),
      event: () => ({ paymentId: declaration.payment_id, type: `customs_${to.toLowerCase()}`, detail }),
      notification: FINAL_CUSTOMS_STATES.includes(to)
        ? (updated) => ({
            merchantId: updated.merchant_id,
            objectType: 'customs_declaration',
            objectId: updated.id,
            url: updated.notify_url,
            payload: { customs_declaration: render(updated) },
          })
        : undefined,
    });
    return moved !== undefined;
  }

  async #retryAt(declaration: CustomsRecord, at: number): Promise<false> {
    const { store, declarations } = this.#deps;
    await store.write((trx) => declarations.retryAt(trx, declaration.id, declaration.state, at));
    return false;
  }

  #submission(declaration: CustomsRecord, now: number): CustomsSubmission {
    const stored = JSON.parse(declaration.declaration_json) as {
      sub_order?: { items?: Array<{ mer_item_id: string }> };
    } & Record<string, { total_cny?: string }>;
    const fen = (name: string): bigint => {
      const parsed = parseAmount(stored[name]?.total_cny, 'CNY');
      if (!parsed.ok) throw new Error(`declaration ${declaration.id}: ${name}.total_cny is not stored`);
      return parsed.minor;
    };
    return {
      declarationId: declaration.id,
      paymentId: declaration.payment_id,
      customsId: declaration.customs_id,
      merCustomsCode: declaration.mer_customs_code,
      ecPlatId: declaration.ec_plat_id,
      merSubReferenceId: declaration.mer_sub_reference_id,
      itemIds: (stored.sub_order?.items ?? []).map((i) => i.mer_item_id),
      subOrderFen: fen('sub_order_amount'),
      freightFen: fen('freight_amount'),
      taxFen: fen('tax_amount'),
      acceptedAt: declaration.created_at,
      now,
    };
  }
}

function finalFields(now: number, failure?: Reason, words?: string): CustomsChanges {
  return { completed_at: now, resolve_at: null, failure_reason: failure ?? null, failure_detail: words ?? null };
}

function refuseDeclared(draft: CustomsDraft, why: string): never {
  return refuse(
    'customs_already_declared',
    `sub_order.mer_sub_reference_id ${draft.merSubReferenceId} is already declared (${why}); a new declaration is ` +
      'possible only after a FAIL',
  );
}

/** The declared sub-order and items against the payment's order as it was created. */
function checkSubOrder(draft: CustomsDraft, payment: PaymentRecord): void {
  const order = JSON.parse(payment.order_json) as { sub_orders?: StoredSubOrder[] };
  const sub = order.sub_orders?.find((s) => s.mer_sub_reference_id === draft.merSubReferenceId);
  if (!sub)
    refuse(
      'customs_sub_order_absent',
      `sub_order.mer_sub_reference_id ${draft.merSubReferenceId} is not a sub-order of payment ${payment.id}`,
    );
  if (!isCustomsSubOrder(sub.is_customs)) {
    refuse(
      'customs_not_required',
      `sub_order.mer_sub_reference_id ${draft.merSubReferenceId}: the payment's sub-order was not created with ` +
        `is_customs TRUE`,
    );
  }
  const known = new Set(
    (sub.items ?? []).map((i) => i.mer_item_id).filter((id): id is string => typeof id === 'string'),
  );
  draft.itemIds.forEach((itemId, i) => {
    if (!known.has(itemId)) {
      refuse(
        'customs_items_absent',
        known.size === 0
          ? `sub_order.items[${i}].mer_item_id ${itemId}: sub-order ${draft.merSubReferenceId} of the payment has no ` +
              `items with a mer_item_id`
          : `sub_order.items[${i}].mer_item_id ${itemId} is not an item of sub-order ${draft.merSubReferenceId} (its ` +
              `items: ${[...known].join(' ')})`,
      );
    }
  });
}
