/**
 * Payments: create (reference 3.2) and query (3.6), for every method. How a payment is then paid
 * lives with its method: card-payment-service.ts (SMS verification, bank debit), wallet-payment-
 * service.ts (WeChat Pay, Alipay); how it ends, payment-lifecycle.ts.
 *
 * Rules of create (request: payment-request.ts): the merchant must accept the order's currency
 * (currency_not_accepted); the FX feed's rate is locked into the payment (`total_cny`,
 * ROUND_HALF_UP to the fen); a payer agreement named by the order must be the merchant's; a
 * WECHAT_WEB payer's open_id must have been issued to the merchant; (merchant, mer_reference_id,
 * mer_date) is unique (duplicate_order, enforced by a unique index).
 */
import type { Store } from '../store/database.ts';
import { randomId } from '../store/ids.ts';
import { isUniqueViolation } from '../store/unique-violation.ts';
import type { Clock } from '../time/clock.ts';
import { refuse } from '../errors/domain-error.ts';
import { convertToCny, formatAmount, parseRate } from '../money/decimal.ts';
import type { Merchant } from '../merchants/merchant.ts';
import type { FxFeed, WalletChannel } from '../channels/channels.ts';
import type { TimelineRepository } from '../lifecycle/timeline-repository.ts';
import type { AgreementRepository } from './agreement-repository.ts';
import type { OpenIdRepository } from './open-id-repository.ts';
import type { NewPayment, PaymentRepository } from './payment-repository.ts';
import type { PaymentRecord } from './payment-record.ts';
import { orderView, payerView, type PaymentDraft } from './payment-request.ts';
import { expiredUnpaid, type PaymentLifecycle } from './payment-lifecycle.ts';
import type { PaymentPresenter } from './payment-view.ts';
import type { OutboundPolicy } from '../outbound/outbound-policy.ts';
import { outboundUrl } from '../validation/request-fields.ts';
import type { EnterpriseService } from '../enterprises/enterprise-service.ts';

/**
 * `resumed`: this is the same request (same Idempotency-Key, same bytes) as an attempt that crashed
 * before its answer was stored (http/idempotency.ts). If that attempt's work committed, the answer
 * is the object it produced rather than a duplicate or state error.
 */
export interface Resumable {
  readonly resumed?: boolean;
}

export interface PaymentServiceDeps {
  readonly store: Store;
  readonly payments: PaymentRepository;
  readonly agreements: AgreementRepository;
  readonly openIds: OpenIdRepository;
  readonly timeline: TimelineRepository;
  readonly lifecycle: PaymentLifecycle;
  readonly presenter: PaymentPresenter;
  readonly fx: FxFeed;
  readonly wallet: WalletChannel;
  readonly clock: Clock;
  /** Where notify_url (and ret_url) may point (outbound/outbound-policy.ts). */
  readonly outbound: OutboundPolicy;
  /** The companies merchants register: a B2B payment's must be the merchant's and ENABLE. */
  /** The paying company of a B2B payment: one of the merchant's, ENABLE (enterprises/). */
  readonly enterprises: Pick<EnterpriseService, 'enabledOf'>;
}

const PAYMENT_ID = /^PAY_[A-Z0-9]{1,40}$/;

export class PaymentService {
  readonly #deps: PaymentServiceDeps;
  constructor(deps: PaymentServiceDeps) {
    this.#deps = deps;
  }

  // ---- create -------------------------------------------------------------------------------

  async create(merchant: Merchant, draft: PaymentDraft, options: Resumable = {}): Promise<PaymentRecord> {
    const { store, payments, agreements, timeline, presenter, fx, clock, outbound } = this.#deps;
    await outboundUrl(outbound, draft.notifyUrl, 'notify_url');
    await outboundUrl(outbound, draft.retUrl, 'ret_url');
    if (merchant.acceptedCurrencies && !merchant.acceptedCurrencies.includes(draft.currency)) {
      refuse('currency_not_accepted', `order.amount.currency ${draft.currency} is not accepted by this merchant`);
    }
    if (draft.agreement) {
      const agreement = await agreements.findOfMerchant(merchant.id, draft.agreement.usrPayAgreementId);
      if (!agreement || agreement.usr_busi_agreement_id !== draft.agreement.usrBusiAgreementId) {
        refuse('invalid_request', 'payer_agreement: no such agreement for this merchant');
      }
    }
    const enterprise = draft.enterprise
      ? await this.#deps.enterprises.enabledOf(merchant.id, draft.enterprise)
      : undefined;
    const quoted = await fx.rate(draft.currency);
    const rate = quoted ? parseRate(quoted.rate) : null;
    if (!quoted || !rate) refuse('exchange_rate_unavailable', `no exchange rate for ${draft.currency}`);
    const now = clock.now();
    const id = randomId('PAY_');
    const wallet = await this.#walletData(merchant, id, draft, now);
    const order = orderView(draft);
    const payer = payerView(draft);
    if (enterprise) {
      payer.enterprise_qualification = { id: enterprise.id, external_enterprise_id: enterprise.external_enterprise_id };
    }
    const payment: NewPayment = {
      id,
      merchant_id: merchant.id,
      mer_reference_id: draft.merReferenceId,
      mer_date: draft.merDate,
      state: 'WAIT_BUYER_PAY',
      stage: 'created',
      payment_method: draft.paymentMethod,
      interface_type: draft.interfaceType,
      business_type: draft.businessType,
      bank_code: draft.bankCode ?? null,
      currency: draft.currency,
      amount_minor: draft.amountMinor,
      total_cny_minor: convertToCny(draft.amountMinor, draft.currency, rate),
      exchange_rate: quoted.rate,
      order_json: JSON.stringify(order),
      payer_json: JSON.stringify(payer),
      notify_url: draft.notifyUrl,
      ret_url: draft.retUrl ?? null,
      expire_at: draft.expireAt,
      created_at: now,
      updated_at: now,
      version: 1,
      execute_success_at: null,
      settle_date: null,
      card_last4: null,
      card_fingerprint: null,
      agreement_id: draft.agreement?.usrPayAgreementId ?? null,
      phone: draft.phone ?? null,
      sms_sent_count: 0,
      sms_last_sent_at: null,
      sms_code_hash: null,
      sms_code_expires_at: null,
      verify_failures: 0,
      card_secret_enc: null,
      bank_resolve_at: null,
      failure_reason: null,
      failure_detail: null,
      channel: fixedChannel(draft),
      wallet_json: wallet ? JSON.stringify(wallet) : null,
      prepay_id: typeof wallet?.prepay_id === 'string' ? wallet.prepay_id : null,
      enterprise_id: enterprise?.id ?? null,
    };
    const amount = `${formatAmount(draft.amountMinor, draft.currency)} ${draft.currency} at ${quoted.rate}`;
    try {
      await store.write(async (trx) => {
        await payments.insert(trx, payment);
        await timeline.record(trx, { paymentId: id, type: 'created', detail: amount }, now);
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if (options.resumed) {
        // The crashed first attempt of this very request created it: answer with that payment.
        const first = await payments.findByReference(merchant.id, draft.merReferenceId, draft.merDate);
        if (first && first.amount_minor === draft.amountMinor && first.currency === draft.currency) return first;
      }
      refuse('duplicate_order', `${draft.merReferenceId} / ${draft.merDate}`);
    }
    // The row just inserted, with the column defaults of migrations 003-005, is the payment as the
    // database now holds it: no need to read it back.
    const created: PaymentRecord = {
      ...payment,
      refunded_minor: 0n,
      refunded_cny_minor: 0n,
      settlement_id: null,
      service_fee_minor: null,
      settled_minor: null,
      funds_state: null,
      funds_due_at: null,
      funds_released_at: null,
      funds_release_rate: null,
      funds_returned_at: null,
      funds_return_retry_at: null,
    };
    presenter.rememberParsed(created, order, payer);
    return created;
  }

  /** What the wallet needs for this payment: a QR URL, or a WeChat prepay order and its pay_info. */
  async #walletData(merchant: Merchant, paymentId: string, draft: PaymentDraft, now: number) {
    const { wallet, openIds } = this.#deps;
    const web = draft.interfaceType === 'SERVER_TO_WEB' || draft.interfaceType === 'SERVER_TO_H5WEB';
    if (web) return undefined;
    switch (draft.paymentMethod) {
      case 'WECHAT_SCAN':
        return { qr_code_url: wallet.qrCodeUrl(paymentId, 'WECHAT') };
      case 'ALIPAY_SCAN':
        return { qr_code_url: wallet.qrCodeUrl(paymentId, 'ALIPAY') };
      case 'WECHAT_WEB': {
        if (!(await openIds.issuedTo(draft.openId!, merchant.id))) {
          refuse(
            'invalid_request',
            'payer.payer_info.wechat_in_app_web.open_id was not issued to this merchant: get it from ' +
              '/payments/wechat_openid',
          );
        }
        const { prepayId, payInfo } = wallet.prepay({ paymentId, kind: 'JSAPI', openId: draft.openId!, now });
        return { open_id: draft.openId, prepay_id: prepayId, pay_info: payInfo };
      }
      case 'WECHAT_IN_APP': {
        const { prepayId, payInfo } = wallet.prepay({ paymentId, kind: 'APP', now });
        return { prepay_id: prepayId, pay_info: payInfo };
      }
      default:
        return undefined;
    }
  }

  // ---- query --------------------------------------------------------------------------------

  /**
   * A merchant's own payment, closing it first if it has expired. A malformed id, an unknown one and
   * another merchant's payment are all `payment_not_found`, so a merchant learns nothing about
   * payments that are not its own.
   */
  async get(merchant: Merchant, paymentId: string): Promise<PaymentRecord> {
    return this.#closedIfExpired(await this.ofMerchant(merchant, paymentId));
  }

  /** A merchant's own payment as it is (no expiry check): every merchant request about one. */
  async ofMerchant(merchant: Merchant, paymentId: string): Promise<PaymentRecord> {
    if (!PAYMENT_ID.test(paymentId)) refuse('payment_not_found');
    return (await this.#deps.payments.findOfMerchant(merchant.id, paymentId)) ?? refuse('payment_not_found');
  }

  /**
   * A payment by id, for the pages and the sandbox (no merchant scoping: the caller checked a page
   * token), closing it first if it has expired and nobody is paying it.
   */
  async findById(paymentId: string): Promise<PaymentRecord | undefined> {
    if (!PAYMENT_ID.test(paymentId)) return undefined;
    const record = await this.#deps.payments.findById(paymentId);
    return record && this.#closedIfExpired(record);
  }

  /** The WeChat JS-API payment a prepay id belongs to (the sandbox WeChat browser's lookup). */
  async findByPrepayId(prepayId: string): Promise<PaymentRecord | undefined> {
    if (!/^wx\d{14}[0-9a-f]{18}$/.test(prepayId)) return undefined;
    const record = await this.#deps.payments.findByPrepayId(prepayId);
    return record && this.findById(record.id);
  }

  /** A payment the payer is about to pay: unpaid, not expired (payment_expired), or why it cannot be. */
  async openForPayer(paymentId: string): Promise<PaymentRecord> {
    const record = (await this.findById(paymentId)) ?? refuse('payment_not_found');
    if (record.state === 'TRADE_CLOSED' && record.failure_reason === 'payment_expired') refuse('payment_expired');
    if (record.state !== 'WAIT_BUYER_PAY') refuseFinal(record.state);
    return record;
  }

  /** The payment object of a record, for answers and pages. */
  present(record: PaymentRecord): Promise<Record<string, unknown>> {
    return this.#deps.lifecycle.present(record);
  }

  /** The record, or, when it expired unpaid, the record closed (by this call or a concurrent one). */
  async #closedIfExpired(record: PaymentRecord): Promise<PaymentRecord> {
    if (!expiredUnpaid(record, this.#deps.clock.now())) return record;
    return (await this.#deps.lifecycle.closeIfExpired(record)) ?? this.#reread(record.id);
  }

  async #reread(paymentId: string): Promise<PaymentRecord> {
    return (await this.#deps.payments.findById(paymentId)) ?? refuse('payment_not_found');
  }
}

/** The method the payer pays with, when the payment fixes it (hosted checkout payments leave it open). */
function fixedChannel(draft: PaymentDraft): string | null {
  // Online banking: the company's (or the person's) bank, whether straight to it or through the checkout.
  if (draft.onlineBanking) return `${draft.onlineBanking}_ONLINE_BANKING`;
  if (draft.interfaceType === 'SERVER_TO_SERVER' || draft.interfaceType === 'DIRECT_TO_BANK')
    return draft.paymentMethod;
  return draft.paymentMethod === 'NOT_APPLICABLE' ? null : draft.paymentMethod;
}

/** Why a payment in a final state cannot be paid (verify, execute, a wallet). */
export function refuseFinal(state: string): never {
  switch (state) {
    case 'TRADE_SUCCESS':
      return refuse('already_paid', 'the payment has already been paid');
    case 'TRADE_CLOSED':
      return refuse('payment_closed');
    case 'TRADE_FAIL':
      return refuse('payment_failed');
    default:
      return refuse('payment_closed', state);
  }
}
