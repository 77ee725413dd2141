// `client.enterprises`: the companies you register for B2B payments (reference 4.1-4.2).
//
//   const { enterprise } = await umf.enterprises.register({ external_enterprise_id: 'C-1', enterprise_name: '...' });
//   // DISABLE: send the company's papers to the platform; its operator approves (ENABLE) or rejects it.
//   const approved = await umf.enterprises.waitFor(enterprise.id, { timeoutMs: 3_600_000, intervalMs: 60_000 });
//
// The platform sends no notification of the review: `waitFor` polls `get`.
import { UmfApiError, UmfEnterpriseRejectedError, UmfWaitTimeoutError } from '../errors.ts';
import { sleep } from '../retry.ts';
import type { SignedResult } from '../transport.ts';
import type {
  EnterpriseQualification,
  EnterpriseResponse,
  EnterpriseWaitForOptions,
  Link,
  RegisterEnterpriseParams,
  RequestOptions,
} from '../types.ts';
import { requireNonEmpty } from '../validation.ts';
import type { ClientContext } from './context.ts';

const EXTERNAL_ID_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const OPTIONAL_STRINGS = ['enterprise_phone', 'enterprise_email', 'enterprise_contacts', 'enterprise_code'] as const;

function validateRegister(params: RegisterEnterpriseParams): void {
  if (!params || typeof params !== 'object') throw new TypeError('enterprises.register: params are required');
  if (typeof params.external_enterprise_id !== 'string' || !EXTERNAL_ID_RE.test(params.external_enterprise_id)) {
    throw new TypeError(
      "enterprises.register: external_enterprise_id (the company's id in your system) must be 1-64 letters, " +
        `digits, "_", "-" or "."; got ${JSON.stringify(params.external_enterprise_id)}`,
    );
  }
  requireNonEmpty(params.enterprise_name, 'enterprises.register: enterprise_name');
  for (const key of OPTIONAL_STRINGS) {
    const value = params[key];
    if (value !== undefined && typeof value !== 'string')
      throw new TypeError(`enterprises.register: ${key} must be a string; got ${JSON.stringify(value)}`);
  }
}

function toResponse(res: SignedResult, operation: string, expectedId?: string): EnterpriseResponse {
  const enterprise = res.data.enterprise_qualification as EnterpriseQualification | undefined;
  const options = { httpStatus: res.httpStatus, requestId: res.requestId };
  if (
    !enterprise ||
    typeof enterprise !== 'object' ||
    typeof enterprise.id !== 'string' ||
    typeof enterprise.enterprise_status !== 'string'
  ) {
    throw new UmfApiError(
      `${operation}: the response has no enterprise_qualification with an id and an enterprise_status`,
      options,
    );
  }
  // Signatures carry no nonce: make sure a (replayed) signed response is at least about this company.
  if (expectedId !== undefined && enterprise.id !== expectedId) {
    throw new UmfApiError(`${operation}: the response is about company ${enterprise.id}, not ${expectedId}`, options);
  }
  const links = Array.isArray(res.data.links) ? (res.data.links as Link[]) : [];
  return { enterprise, links, meta: res.meta };
}

/** `client.enterprises`. */
export class Enterprises {
  readonly #ctx: ClientContext;
  constructor(ctx: ClientContext) {
    this.#ctx = ctx;
  }

  /**
   * `POST /enterprise_qualification`: registers a company, which starts `DISABLE`. It can pay B2B once
   * the platform approved it (`ENABLE`); a B2B payment before that is UmfEnterpriseNotEnabledError
   * `00060782`. The same `external_enterprise_id` twice is UmfConflictError `00060781`.
   */
  async register(params: RegisterEnterpriseParams, options: RequestOptions = {}): Promise<EnterpriseResponse> {
    validateRegister(params);
    const path = '/enterprise_qualification';
    const res = await this.#ctx.transport.requestSigned(
      { method: 'POST', path, body: { enterprise_qualification: params } },
      options,
      this.#ctx.tokens,
    );
    return toResponse(res, `POST ${path}`);
  }

  /** `GET /enterprise_qualification/{id}`: the company with its `enterprise_status` and `rank`. */
  async get(enterpriseId: string, options: RequestOptions = {}): Promise<EnterpriseResponse> {
    const id = requireNonEmpty(enterpriseId, 'enterpriseId');
    const path = `/enterprise_qualification/${encodeURIComponent(id)}`;
    const res = await this.#ctx.transport.requestSigned({ method: 'GET', path }, options, this.#ctx.tokens);
    return toResponse(res, `GET ${path}`, enterpriseId);
  }

  /**
   * Polls `get` until the company's `enterprise_status` is `status` (default ENABLE) and returns it.
   * Polls every `intervalMs` (default 1 s); throws UmfWaitTimeoutError after `timeoutMs` (default
   * 60 s), carrying the last company seen, and UmfEnterpriseRejectedError when the platform rejects
   * the company while waiting (unless `stopOnRejection: false`).
   */
  async waitFor(enterpriseId: string, options: EnterpriseWaitForOptions = {}): Promise<EnterpriseQualification> {
    requireNonEmpty(enterpriseId, 'enterpriseId');
    const status = options.status ?? 'ENABLE';
    const timeoutMs = options.timeoutMs ?? 60_000;
    const intervalMs = options.intervalMs ?? 1_000;
    const stopOnRejection = options.stopOnRejection ?? true;
    const deadline = Date.now() + timeoutMs;
    let firstReview: string | undefined | null = null;
    for (;;) {
      const { enterprise } = await this.get(enterpriseId, { signal: options.signal });
      if (enterprise.enterprise_status === status) return enterprise;
      if (firstReview === null) firstReview = enterprise.reviewed_time;
      else if (stopOnRejection && enterprise.review_reason !== undefined && enterprise.reviewed_time !== firstReview) {
        throw new UmfEnterpriseRejectedError(
          `enterprises.waitFor: the platform rejected company ${enterpriseId}: ${enterprise.review_reason}`,
          enterprise,
        );
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new UmfWaitTimeoutError(
          `enterprises.waitFor: company ${enterpriseId} still ${enterprise.enterprise_status} after ${timeoutMs} ms`,
          enterprise,
        );
      await sleep(Math.min(intervalMs, remaining), options.signal);
    }
  }
}
