import { encryptCard, encryptPayerInfo } from '../encryption.ts';
import type { SignedResult } from '../transport.ts';
import type {
  CheckoutPayerInput,
  CheckoutPayment,
  CreatePaymentParams,
  Payment,
  PaymentResponse,
  PaymentState,
  QrCodePayment,
  QrPayerInput,
  RequestOptions,
  VerifyAgreementParams,
  VerifyCardParams,
  WaitForOptions,
  WechatInAppPayerInput,
  WechatInAppPayment,
  WechatWebPayerInput,
  WechatWebPayment,
} from '../types.ts';
import { requireNonEmpty, validateCreatePayment } from '../validation.ts';
import type { ClientContext } from './context.ts';
import { pollUntil } from './polling.ts';
import { checkedObject } from './signed-object.ts';

function paymentPath(paymentId: string, action?: 'verify' | 'execute'): string {
  requireNonEmpty(paymentId, 'paymentId');
  return `/payments/payment/${encodeURIComponent(paymentId)}${action ? '/' + action : ''}`;
}

function toPaymentResponse(res: SignedResult, operation: string, expectedId?: string): PaymentResponse {
  const { object: payment, links } = checkedObject(
    res,
    res.data.payment as Payment | undefined,
    { missing: 'payment object', noun: 'payment' },
    operation,
    expectedId,
  );
  return { payment, links, meta: res.meta };
}

export type PaymentPredicate = (payment: Payment) => boolean;

/** `client.payments`. */
export class Payments {
  readonly #ctx: ClientContext;
  constructor(ctx: ClientContext) {
    this.#ctx = ctx;
  }

  /**
   * `POST /payments/payment`. Pass the wire's snake_case objects; plaintext sensitive fields in
   * `payer.payer_info` (`name`, and `number|valid_date|cvv2|payer_name|citizen_id_number` in `bank_card`,
   * `qr_code_scan`, `wechat_in_app`, `wechat_in_app_web`) are encrypted by the SDK. `interface_type`
   * defaults to SERVER_TO_SERVER (DIRECT_TO_BANK for B2B_ONLINE_BANKING and B2C_ONLINE_BANKING) and
   * `business_type` to B2C (B2B for B2B_ONLINE_BANKING, a payer naming `enterprise_qualification`, and
   * NOT_APPLICABLE with DIRECT_TO_BANK). B2B payments (`B2bPayerInput`) name a registered, ENABLE company.
   *
   * The result is typed by what you pay with: WECHAT_SCAN / ALIPAY_SCAN give
   * `payer.payer_info.qr_code_scan.qr_code_url` (see `qrCodeUrl`), WECHAT_WEB gives
   * `wechat_in_app_web.pay_info` and WECHAT_IN_APP `wechat_in_app.pay_info` (see `payInfo`), and the
   * hosted checkout (interface_type SERVER_TO_WEB / SERVER_TO_H5WEB) the `upay` link (see `checkoutUrl`).
   */
  create(params: CreatePaymentParams<QrPayerInput>, options?: RequestOptions): Promise<PaymentResponse<QrCodePayment>>;
  create(
    params: CreatePaymentParams<WechatWebPayerInput>,
    options?: RequestOptions,
  ): Promise<PaymentResponse<WechatWebPayment>>;
  create(
    params: CreatePaymentParams<WechatInAppPayerInput>,
    options?: RequestOptions,
  ): Promise<PaymentResponse<WechatInAppPayment>>;
  create(
    params: CreatePaymentParams<CheckoutPayerInput>,
    options?: RequestOptions,
  ): Promise<PaymentResponse<CheckoutPayment>>;
  create(params: CreatePaymentParams, options?: RequestOptions): Promise<PaymentResponse>;
  async create(params: CreatePaymentParams, options: RequestOptions = {}): Promise<PaymentResponse> {
    validateCreatePayment(params);
    const { payer } = params;
    const { payment_method, interface_type, business_type, ...rest } = payer;
    // Online banking goes straight to the bank unless told otherwise, and B2B follows from the method.
    const online = payment_method === 'B2B_ONLINE_BANKING' || payment_method === 'B2C_ONLINE_BANKING';
    const wireInterface = interface_type ?? (online ? 'DIRECT_TO_BANK' : 'SERVER_TO_SERVER');
    const b2b =
      payment_method === 'B2B_ONLINE_BANKING' ||
      payer.enterprise_qualification !== undefined ||
      (payment_method === 'NOT_APPLICABLE' && wireInterface === 'DIRECT_TO_BANK');
    const wirePayer: Record<string, unknown> = {
      payment_method,
      interface_type: wireInterface,
      business_type: business_type ?? (b2b ? 'B2B' : 'B2C'),
      ...rest,
    };
    if (payer.payer_info) {
      wirePayer.payer_info = encryptPayerInfo(payer.payer_info, this.#ctx.platformPublicKey, this.#ctx.encryption);
    }
    const body = { ...params, payer: wirePayer };
    const res = await this.#ctx.transport.requestSigned(
      { method: 'POST', path: '/payments/payment', body },
      options,
      this.#ctx.tokens,
    );
    return toPaymentResponse(res, 'POST /payments/payment');
  }

  /**
   * `POST /payments/payment/{id}/verify` with card data: the platform sends the SMS code to `card.phone`.
   * Card fields are plaintext here; the SDK encrypts them with the platform certificate.
   */
  async verifyCard(
    paymentId: string,
    params: VerifyCardParams,
    options: RequestOptions = {},
  ): Promise<PaymentResponse> {
    const path = paymentPath(paymentId, 'verify');
    if (!params || typeof params.card !== 'object' || params.card === null) {
      throw new TypeError('payments.verifyCard: params.card is required');
    }
    const bankCard = encryptCard(params.card, this.#ctx.platformPublicKey, this.#ctx.encryption);
    const body = { payer: { payer_info: { phone: params.card.phone, bank_card: bankCard } } };
    const res = await this.#ctx.transport.requestSigned({ method: 'POST', path, body }, options, this.#ctx.tokens);
    return toPaymentResponse(res, `POST ${path}`, paymentId);
  }

  /** `POST /payments/payment/{id}/verify` for a returning card, identified by its payer agreement. */
  async verifyAgreement(
    paymentId: string,
    params: VerifyAgreementParams,
    options: RequestOptions = {},
  ): Promise<PaymentResponse> {
    const path = paymentPath(paymentId, 'verify');
    if (!params || typeof params !== 'object') throw new TypeError('payments.verifyAgreement: params are required');
    const payerInfo: Record<string, unknown> = {};
    if (params.phone !== undefined) payerInfo.phone = requireNonEmpty(params.phone, 'phone');
    payerInfo.payer_agreement = {
      usr_busi_agreement_id: requireNonEmpty(params.usrBusiAgreementId, 'usrBusiAgreementId'),
      usr_pay_agreement_id: requireNonEmpty(params.usrPayAgreementId, 'usrPayAgreementId'),
    };
    const body = { payer: { payer_info: payerInfo } };
    const res = await this.#ctx.transport.requestSigned({ method: 'POST', path, body }, options, this.#ctx.tokens);
    return toPaymentResponse(res, `POST ${path}`, paymentId);
  }

  /**
   * `POST /payments/payment/{id}/execute` with the SMS verification code. The final result may come
   * later: watch the notification or use `waitFor`.
   */
  async execute(paymentId: string, verifyCode: string, options: RequestOptions = {}): Promise<PaymentResponse> {
    const path = paymentPath(paymentId, 'execute');
    const code = requireNonEmpty(verifyCode, 'verifyCode').trim();
    // Real clients put the code in either place; send both.
    const body = { payer: { payer_info: { verify_code: code, bank_card: { verify_code: code } } } };
    const res = await this.#ctx.transport.requestSigned({ method: 'POST', path, body }, options, this.#ctx.tokens);
    return toPaymentResponse(res, `POST ${path}`, paymentId);
  }

  /** `GET /payments/payment/{id}`. */
  async get(paymentId: string, options: RequestOptions = {}): Promise<PaymentResponse> {
    const path = paymentPath(paymentId);
    const res = await this.#ctx.transport.requestSigned({ method: 'GET', path }, options, this.#ctx.tokens);
    return toPaymentResponse(res, `GET ${path}`, paymentId);
  }

  /**
   * Polls `get` until the payment satisfies `until` (a predicate, a state, or a list of states) and
   * returns it. Throws UmfWaitTimeoutError after `timeoutMs` (default 60 s); polls every `intervalMs`
   * (default 1 s).
   */
  async waitFor(
    paymentId: string,
    until: PaymentPredicate | PaymentState | readonly PaymentState[],
    options: WaitForOptions = {},
  ): Promise<Payment> {
    requireNonEmpty(paymentId, 'paymentId');
    return pollUntil(
      async (signal) => (await this.get(paymentId, { signal })).payment,
      until,
      options,
      `payments.waitFor: payment ${paymentId}`,
    );
  }
}
