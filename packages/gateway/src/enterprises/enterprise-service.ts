/**
 * Enterprise qualification (reference 4.1-4.2, docs/b2b.md "Enterprise qualification"): the companies a
 * merchant registers so that they can pay B2B, and the operator's review of them. The routes
 * (enterprise-routes.ts), the CLI (`enterprise list|show|approve|reject`) and the console call this
 * service; its methods speak domain terms and return records.
 *
 * Rules (request shape: enterprise-request.ts):
 * - a new company is `DISABLE`, without a rank; `external_enterprise_id` is unique per merchant
 *   (duplicate_enterprise 00060781: checked first for a clear message, enforced by the unique
 *   constraint `enterprises_external_once`, so two concurrent registrations cannot both succeed);
 * - a merchant sees only its own companies: anyone else's id is enterprise_not_found (00060780), as is
 *   an id that does not exist;
 * - approve: `DISABLE -> ENABLE` with a rank (A, OTHERS or UNKNOWN; A when not given). A rejected
 *   company may be approved later (the merchant sends new papers offline); an `ENABLE` company is not
 *   reviewed again (enterprise_already_enabled 00060783);
 * - reject: the company stays `DISABLE` with the reviewer's reason (shown as `review_reason` until
 *   it is approved); it may be rejected again with a new reason;
 * - a review is a guarded update (EnterpriseRepository.review: `WHERE status = 'DISABLE' AND
 *   updated_at = <as read>`): of two racing reviews exactly one is recorded; the other is refused
 *   with enterprise_already_enabled when the winner approved, else enterprise_review_conflict
 *   (00060784), so no decision is recorded over one its reviewer did not see.
 *
 * No notification: the reference has none for companies, so the merchant polls GET (the SDK's
 * `enterprises.waitFor`). Reviews are not payment moves (no payment timeline, no outbox row), which
 * is why they do not go through lifecycle/state-mover.ts; they commit in one `store.write`.
 */
import type { Store } from '../store/database.ts';
import { randomId } from '../store/ids.ts';
import { isUniqueViolation } from '../store/unique-violation.ts';
import type { Clock } from '../time/clock.ts';
import { refuse } from '../errors/domain-error.ts';
import type { Merchant } from '../merchants/merchant.ts';
import { parseEnterpriseRequest } from './enterprise-request.ts';
import type {
  EnterpriseRef,
  EnterpriseRepository,
  EnterpriseReview,
  EnterpriseSearch,
} from './enterprise-repository.ts';
import { ENTERPRISE_RANKS, type EnterpriseRank, type EnterpriseRecord } from './enterprise-record.ts';

export interface EnterpriseServiceDeps {
  readonly store: Store;
  readonly enterprises: EnterpriseRepository;
  readonly clock: Clock;
}

/** The same request as an attempt that crashed after it may have committed (http/idempotency.ts). */
export interface Resumable {
  readonly resumed?: boolean;
}

export interface ReviewOptions {
  /**
   * The `updated_at` of the company as the reviewer saw it (the console's page): the review is
   * refused (enterprise_review_conflict) when the company changed since. Default: as read now.
   */
  readonly seenUpdatedAt?: number | undefined;
}

/** The longest reason a reviewer may give. */
export const MAX_REVIEW_REASON = 500;
/** The largest page of the operator's list. */
export const MAX_PAGE = 500;

/** What our ids look like: anything else is not found without a query. */
const ENTERPRISE_ID = /^EQ_[A-Z2-7]{1,60}$/;

export class EnterpriseService {
  readonly #deps: EnterpriseServiceDeps;
  constructor(deps: EnterpriseServiceDeps) {
    this.#deps = deps;
  }

  // ---- the merchant's side ------------------------------------------------------------------

  /** Registers a company of `merchant` (DISABLE). */
  async register(
    merchant: Merchant,
    body: Record<string, unknown>,
    options: Resumable = {},
  ): Promise<EnterpriseRecord> {
    const { store, enterprises, clock } = this.#deps;
    const draft = parseEnterpriseRequest(body);
    const externalId = draft.externalEnterpriseId;
    const existing = await enterprises.ofMerchant(merchant.id, { externalId });
    if (existing) {
      // The crashed first attempt of this very request created it: answer with that company.
      if (options.resumed) return existing;
      refuseDuplicate(externalId, existing.id);
    }
    const now = clock.now();
    try {
      return await store.write((trx) =>
        enterprises.insert(trx, {
          id: randomId('EQ_'),
          merchant_id: merchant.id,
          external_enterprise_id: externalId,
          enterprise_name: draft.enterpriseName,
          enterprise_phone: draft.enterprisePhone ?? null,
          enterprise_email: draft.enterpriseEmail ?? null,
          enterprise_contacts: draft.enterpriseContacts ?? null,
          busi_type: draft.busiType ?? null,
          enterprise_code: draft.enterpriseCode ?? null,
          status: 'DISABLE',
          rank: null,
          review_reason: null,
          reviewed_at: null,
          created_at: now,
          updated_at: now,
        }),
      );
    } catch (error) {
      if (isUniqueViolation(error)) {
        const first = await enterprises.ofMerchant(merchant.id, { externalId });
        if (first && options.resumed) return first;
        refuseDuplicate(externalId, first?.id);
      }
      throw error;
    }
  }

  /** One of the merchant's companies (enterprise_not_found for anyone else's). */
  async get(merchant: Merchant, id: string): Promise<EnterpriseRecord> {
    if (!ENTERPRISE_ID.test(id)) refuse('enterprise_not_found', `no enterprise qualification ${id}`);
    const found = await this.#deps.enterprises.ofMerchant(merchant.id, { id });
    return found ?? refuse('enterprise_not_found', `no enterprise qualification ${id}`);
  }

  /**
   * The company a B2B payment names (by our id or the merchant's external id), which must be ENABLE:
   * enterprise_not_found, else enterprise_not_enabled.
   */
  async enabledOf(merchantId: string, ref: EnterpriseRef): Promise<EnterpriseRecord> {
    const found = await this.#deps.enterprises.ofMerchant(merchantId, ref);
    const named = ref.id ?? ref.externalId ?? '';
    if (!found) return refuse('enterprise_not_found', `no enterprise qualification ${named} of this merchant`);
    if (found.status !== 'ENABLE')
      refuse('enterprise_not_enabled', `enterprise ${named} is ${found.status}: the platform has not approved it yet`);
    return found;
  }

  // ---- the operator's side ------------------------------------------------------------------

  /** Companies, oldest first (the review queue), with the filters and page of `search`. */
  async list(search: EnterpriseSearch): Promise<EnterpriseRecord[]> {
    const limit = Math.min(Math.max(1, Math.trunc(search.limit)), MAX_PAGE);
    return this.#deps.enterprises.search({ ...search, limit });
  }

  /** Any company, whichever merchant registered it. */
  async show(id: string): Promise<EnterpriseRecord> {
    const found = await this.#deps.enterprises.byId(id);
    return found ?? refuse('enterprise_not_found', `no enterprise qualification ${id}`);
  }

  /** DISABLE -> ENABLE with `rank` (A when not given). */
  async approve(id: string, rank: EnterpriseRank = 'A', options: ReviewOptions = {}): Promise<EnterpriseRecord> {
    if (!ENTERPRISE_RANKS.includes(rank))
      refuse('invalid_request', `rank must be one of ${ENTERPRISE_RANKS.join(', ')}`);
    return this.#review(id, { decision: 'approve', rank }, options);
  }

  /** Stays DISABLE, with `reason` for the merchant. */
  async reject(id: string, reason: string, options: ReviewOptions = {}): Promise<EnterpriseRecord> {
    const text = reason.trim();
    if (text === '') refuse('invalid_request', 'a rejection needs a reason');
    if (text.length > MAX_REVIEW_REASON)
      refuse('invalid_request', `the reason is longer than ${MAX_REVIEW_REASON} characters`);
    return this.#review(id, { decision: 'reject', reason: text }, options);
  }

  async #review(id: string, review: EnterpriseReview, options: ReviewOptions): Promise<EnterpriseRecord> {
    const { store, enterprises, clock } = this.#deps;
    const current = await this.show(id);
    if (current.status === 'ENABLE') refuseEnabled(current);
    const updatedAt = options.seenUpdatedAt ?? current.updated_at;
    const reviewed = await store.write((trx) => enterprises.review(trx, id, review, clock.now(), { updatedAt }));
    if (reviewed) return reviewed;
    const now = await this.show(id);
    if (now.status === 'ENABLE') refuseEnabled(now);
    return refuse(
      'enterprise_review_conflict',
      `${id} was ${now.review_reason === null ? 'changed' : `rejected (${now.review_reason})`} by another review ` +
        'meanwhile: look at it again before deciding',
    );
  }
}

function refuseDuplicate(externalId: string, id: string | undefined): never {
  return refuse(
    'duplicate_enterprise',
    `external_enterprise_id ${externalId} is enterprise qualification ${id ?? 'registered at the same time'}`,
  );
}

function refuseEnabled(row: EnterpriseRecord): never {
  return refuse('enterprise_already_enabled', `${row.id} is ENABLE with rank ${row.rank ?? 'A'}`);
}
