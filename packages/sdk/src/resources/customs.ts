// `client.customs`: customs declarations of paid payments (reference 3.9-3.10) and the daily customs file.
//
//   const { declaration } = await umf.customs.declare(payment.id, { customs_id: 'NB', ... });
//   const done = await umf.customs.waitFor(declaration.id);          // SUCCESS or FAIL (declaration.error)
//   const file = await umf.customs.download({ customsDate: '20261123' });
//   for await (const line of file) ...                              // verified when the file ends
import { formatMerDate } from '../dates.ts';
import type { SignedDownload } from '../download.ts';
import type { SignedResult } from '../transport.ts';
import { FINAL_CUSTOMS_STATES } from '../types.ts';
import type {
  CustomsAmount,
  CustomsDeclaration,
  CustomsDeclarationResponse,
  CustomsState,
  DeclareCustomsParams,
  RequestOptions,
  WaitForOptions,
} from '../types.ts';
import { requireNonEmpty } from '../validation.ts';
import type { ClientContext } from './context.ts';
import { pollUntil } from './polling.ts';
import { checkedObject } from './signed-object.ts';

const DECIMAL_RE = /^\d{1,10}(\.\d{1,2})?$/;
const CUSTOMS_CODE_RE = /^[A-Za-z0-9_.-]{1,64}$/;

function checkAmount(amount: CustomsAmount | undefined, where: string): void {
  if (!amount || typeof amount !== 'object')
    throw new TypeError(
      `customs.declare: ${where} is required: { total: "10.00", currency: "USD" } ("0" when there is none)`,
    );
  if (typeof amount.total !== 'string' || !DECIMAL_RE.test(amount.total)) {
    throw new TypeError(
      `customs.declare: ${where}.total must be a decimal STRING such as "10.00" ` +
        `(floating point numbers cannot represent money exactly); got ${JSON.stringify(amount.total)}`,
    );
  }
  if (typeof amount.currency !== 'string' || !/^[A-Z]{3}$/.test(amount.currency)) {
    throw new TypeError(
      `customs.declare: ${where}.currency must be an ISO 4217 code: the payment's currency (e.g. "USD") or "CNY"`,
    );
  }
  if (amount.total_cny !== undefined && (typeof amount.total_cny !== 'string' || !DECIMAL_RE.test(amount.total_cny))) {
    throw new TypeError(
      `customs.declare: ${where}.total_cny must be a decimal STRING such as "71.23", ` +
        `or left out to use the payment's rate; got ${JSON.stringify(amount.total_cny)}`,
    );
  }
}

function checkCode(value: unknown, name: string, what: string): void {
  if (typeof value !== 'string' || !CUSTOMS_CODE_RE.test(value)) {
    throw new TypeError(
      `customs.declare: ${name} (${what}) must be a string of 1-64 letters, digits, "_", "-" or "."; ` +
        `got ${JSON.stringify(value)}`,
    );
  }
}

function validateDeclare(params: DeclareCustomsParams): void {
  if (!params || typeof params !== 'object') throw new TypeError('customs.declare: params are required');
  if (typeof params.customs_id !== 'string' || !/^[A-Za-z]{2}$/.test(params.customs_id.trim())) {
    throw new TypeError(
      "customs.declare: customs_id must be the customs office's two-letter code, " +
        `e.g. "NB" (Ningbo), "HZ" (Hangzhou), "GZ" (Guangzhou); got ${JSON.stringify(params.customs_id)}`,
    );
  }
  checkCode(params.mer_customs_code, 'mer_customs_code', "your enterprise's registration code with the customs office");
  checkCode(params.ec_plat_id, 'ec_plat_id', "the e-commerce platform's account in the customs system");
  checkAmount(params.freight_amount, 'freight_amount');
  checkAmount(params.tax_amount, 'tax_amount');
  checkAmount(params.sub_order_amount, 'sub_order_amount');
  const sub = params.sub_order;
  if (!sub || typeof sub !== 'object')
    throw new TypeError(
      'customs.declare: sub_order is required: { mer_sub_reference_id, items: [{ mer_item_id }] } ' +
        'of a sub-order created with is_customs "TRUE"',
    );
  requireNonEmpty(
    sub.mer_sub_reference_id,
    'customs.declare: sub_order.mer_sub_reference_id (the sub-order of the payment to declare)',
  );
  if (!Array.isArray(sub.items) || sub.items.length === 0) {
    throw new TypeError(
      'customs.declare: sub_order.items must list at least one { mer_item_id } of the sub-order ' +
        '(the items given when the payment was created)',
    );
  }
  sub.items.forEach((item, i) =>
    requireNonEmpty(item?.mer_item_id, `customs.declare: sub_order.items[${i}].mer_item_id`),
  );
}

function toResponse(res: SignedResult, operation: string, expectedId?: string): CustomsDeclarationResponse {
  const list = res.data.customs_declarations;
  const found = (Array.isArray(list) ? list[0] : res.data.customs_declaration) as CustomsDeclaration | undefined;
  const names = { missing: 'customs declaration', noun: 'customs declaration' };
  const { object: declaration, links } = checkedObject(res, found, names, operation, expectedId);
  return {
    declaration,
    declarations: Array.isArray(list) ? (list as CustomsDeclaration[]) : [declaration],
    links,
    meta: res.meta,
  };
}

export type CustomsPredicate = (declaration: CustomsDeclaration) => boolean;

/** `client.customs`. */
export class Customs {
  readonly #ctx: ClientContext;
  constructor(ctx: ClientContext) {
    this.#ctx = ctx;
  }

  /**
   * `POST /payments/payment/{paymentId}/apply_to_customs`: declares a sub-order of a TRADE_SUCCESS
   * payment (created with `is_customs: 'TRUE'`) to a customs office, within one month of the order.
   * The declaration starts `ACCEPTED`; `SUBMITED`, then `SUCCESS` / `FAIL` follow (the final state is
   * notified to `notify_url`, or use `waitFor`). A sub-order has one live declaration: another is
   * UmfConflictError `00202013` until the first one FAILs.
   */
  async declare(
    paymentId: string,
    params: DeclareCustomsParams,
    options: RequestOptions = {},
  ): Promise<CustomsDeclarationResponse> {
    requireNonEmpty(paymentId, 'paymentId');
    validateDeclare(params);
    const path = `/payments/payment/${encodeURIComponent(paymentId)}/apply_to_customs`;
    const res = await this.#ctx.transport.requestSigned(
      { method: 'POST', path, body: params },
      options,
      this.#ctx.tokens,
    );
    return toResponse(res, `POST ${path}`);
  }

  /** `GET /payments/customs_declarations/{declarationId}`. */
  async get(declarationId: string, options: RequestOptions = {}): Promise<CustomsDeclarationResponse> {
    const id = requireNonEmpty(declarationId, 'declarationId');
    const path = `/payments/customs_declarations/${encodeURIComponent(id)}`;
    const res = await this.#ctx.transport.requestSigned({ method: 'GET', path }, options, this.#ctx.tokens);
    return toResponse(res, `GET ${path}`, declarationId);
  }

  /**
   * Polls `get` until the declaration satisfies `until` (a predicate, a state, a list of states;
   * default: SUCCESS or FAIL) and returns it. Throws UmfWaitTimeoutError after `timeoutMs` (default 60 s).
   */
  async waitFor(
    declarationId: string,
    until: CustomsPredicate | CustomsState | readonly CustomsState[] = FINAL_CUSTOMS_STATES,
    options: WaitForOptions = {},
  ): Promise<CustomsDeclaration> {
    requireNonEmpty(declarationId, 'declarationId');
    return pollUntil(
      async (signal) => (await this.get(declarationId, { signal })).declaration,
      until,
      options,
      `customs.waitFor: declaration ${declarationId}`,
    );
  }

  /**
   * `GET /payments/customs_download?customs_date=YYYYMMDD`: your declarations made on that China date,
   * as a file streamed and verified against its `Signature` (see SignedDownload). `customsDate` is
   * YYYYMMDD or a Date (its China date). Lines: `CUSTOMSDETAIL-START,<merchant>,<date>`, one per
   * declaration, `CUSTOMSDETAIL-End,<merchant>,<date>,<count>` (the gateway's docs/customs.md).
   */
  async download(params: { customsDate: string | Date }, options: RequestOptions = {}): Promise<SignedDownload> {
    const date = params?.customsDate instanceof Date ? formatMerDate(params.customsDate) : params?.customsDate;
    if (typeof date !== 'string' || !/^\d{8}$/.test(date)) {
      throw new TypeError(
        'customs.download: customsDate must be a YYYYMMDD string (China date) or a Date; ' +
          `got ${JSON.stringify(params?.customsDate)}`,
      );
    }
    return this.#ctx.transport.download(
      { path: '/payments/customs_download', query: { customs_date: date } },
      options,
      this.#ctx.tokens,
    );
  }
}
