/**
 * The payment object as the API, notifications and pages show it, from a PaymentRecord; card data
 * never appears (only the last four digits). A moved record is presented once: the notification a
 * state move writes and the answer to the request that made the move share one rendering (the view is
 * kept on that record object).
 */
import { formatAmount, formatScaled } from '../money/decimal.ts';
import { chinaTime } from '../time/china-time.ts';
import { failureOf } from '../errors/domain-error.ts';
import { failureView } from '../http/error-codes.ts';
import { apiBase, link, type Link, type PublicUrls } from '../http/links.ts';
import type { PageTokens } from '../crypto/page-tokens.ts';
import type { OnlineBankingOrder } from '../channels/channels.ts';
import {
  isCardMethod,
  isWebPayment,
  onlineBankingOf,
  type AgreementRef,
  type PaymentRecord,
} from './payment-record.ts';

export interface PaymentUrlsDeps extends PublicUrls {
  readonly pageTokens: PageTokens;
  /** The bank's online-banking page of a payment (the corporate bank channel's). */
  readonly bankPageUrl?: ((order: OnlineBankingOrder) => string) | undefined;
}

/** The hosted checkout page of a payment, with its access token. */
export function checkoutUrl(deps: PaymentUrlsDeps, paymentId: string): string {
  return `${deps.publicUrl()}/checkout/${paymentId}?t=${deps.pageTokens.token('checkout', paymentId)}`;
}

export function paymentLinks(record: PaymentRecord, deps: PaymentUrlsDeps): Link[] {
  const self = `${apiBase(deps)}/payments/payment/${record.id}`;
  const links = [link('self', 'GET', self)];
  const online = onlineBankingOf(record);
  if (online && !isWebPayment(record) && record.bank_code && deps.bankPageUrl) {
    // Straight to the bank (DIRECT_TO_BANK): the B2B sample's order, upay being the bank's page.
    links.push(
      link('refund', 'POST', `${self}/refund`),
      link('apply_to_customs', 'POST', `${self}/apply_to_customs`),
      link('upay', 'GET', deps.bankPageUrl({ paymentId: record.id, bankCode: record.bank_code, kind: online })),
    );
    return links;
  }
  if (isWebPayment(record)) {
    // The reference's order for web payments; clients read links[3] (upay) by position.
    links.push(
      link('refund', 'POST', `${self}/refund`),
      link('apply_to_customs', 'POST', `${self}/apply_to_customs`),
      link('upay', 'GET', checkoutUrl(deps, record.id)),
    );
    return links;
  }
  if (record.state === 'WAIT_BUYER_PAY' && isCardMethod(record.payment_method)) {
    if (record.stage === 'created') links.push(link('sms_verify', 'POST', `${self}/verify`));
    if (record.stage === 'sms_sent') links.push(link('confirm', 'POST', `${self}/execute`));
  }
  if (record.state === 'TRADE_SUCCESS') {
    links.push(link('refund', 'POST', `${self}/refund`));
    // Payments store is_customs as "TRUE"/"FALSE" (payment-request.ts orderView): a paid order
    // with a customs sub-order can be declared.
    if (record.order_json.includes('"is_customs":"TRUE"')) {
      links.push(link('apply_to_customs', 'POST', `${self}/apply_to_customs`));
    }
  }
  return links;
}

interface WalletData {
  readonly qr_code_url?: string;
  readonly open_id?: string;
  readonly pay_info?: Record<string, string>;
}

/**
 * What a record object carries for its presenter: symbol members set once on
 * the record of one request, never part of its data. Not WeakMaps: an entry per request is an
 * ephemeron for the garbage collector, and polling (a fresh record per GET) then doubles GC time.
 */
const PARSED = Symbol('parsed order and payer');
const VIEW = Symbol('presented view');

interface Carried {
  [PARSED]?: { readonly order: Record<string, unknown>; readonly payer: Record<string, unknown> };
  [VIEW]?: Record<string, unknown>;
}

function carry<K extends keyof Carried>(record: PaymentRecord, key: K, value: Carried[K]): void {
  // A plain assignment (a symbol member is left out of JSON and Object.keys; defineProperty costs more).
  (record as Carried)[key] = value;
}

/** Renders payments; built once (composition root) with where links point. */
export class PaymentPresenter {
  readonly #deps: PaymentUrlsDeps;
  constructor(deps: PaymentUrlsDeps) {
    this.#deps = deps;
  }

  /**
   * Remembers the objects `record.order_json` and `record.payer_json` are the JSON of (create), so
   * that presenting the new record does not parse them back. They must not be changed afterwards.
   */
  rememberParsed(record: PaymentRecord, order: Record<string, unknown>, payer: Record<string, unknown>): void {
    carry(record, PARSED, { order, payer });
  }

  /** The payment object of `record` when it was presented and kept already (a moved record). */
  presented(record: PaymentRecord): Record<string, unknown> | undefined {
    return (record as Carried)[VIEW];
  }

  /** The payment object of `record` (with its payer agreement, when it has one). */
  present(record: PaymentRecord, agreement?: AgreementRef): Record<string, unknown> {
    return (record as Carried)[VIEW] ?? this.#render(record, agreement);
  }

  /**
   * present, keeping the view on the record: for a moved record, whose notification is written first
   * and whose answer (same record object) then reuses it.
   */
  presentAndKeep(record: PaymentRecord, agreement?: AgreementRef): Record<string, unknown> {
    const known = (record as Carried)[VIEW];
    if (known) return known;
    const view = this.#render(record, agreement);
    carry(record, VIEW, view);
    return view;
  }

  #render(record: PaymentRecord, agreement: AgreementRef | undefined): Record<string, unknown> {
    const currency = record.currency;
    const parsed = (record as Carried)[PARSED];
    const order = parsed?.order ?? (JSON.parse(record.order_json) as Record<string, unknown>);
    const payer = parsed?.payer ?? (JSON.parse(record.payer_json) as Record<string, unknown>);
    const payerInfo: Record<string, unknown> = {};
    if (record.phone) payerInfo.phone = record.phone;
    if (agreement) payerInfo.payer_agreement = agreement;
    else if (record.card_last4 && isCardMethod(record.channel)) {
      payerInfo.bank_card = { last_four_cardid: record.card_last4 };
    }
    if (record.wallet_json) {
      const wallet = JSON.parse(record.wallet_json) as WalletData;
      const method = record.payment_method;
      if (method === 'WECHAT_SCAN' || method === 'ALIPAY_SCAN')
        payerInfo.qr_code_scan = { qr_code_url: wallet.qr_code_url };
      if (method === 'WECHAT_WEB') payerInfo.wechat_in_app_web = { open_id: wallet.open_id, pay_info: wallet.pay_info };
      if (method === 'WECHAT_IN_APP') payerInfo.wechat_in_app = { pay_info: wallet.pay_info };
    }
    const payment: Record<string, unknown> = {
      id: record.id,
      state: record.state,
      payer: { ...payer, payer_info: payerInfo },
      order: {
        ...order,
        amount: {
          total: formatAmount(record.amount_minor, currency),
          currency,
          total_cny: formatScaled(record.total_cny_minor, 2),
          exchange_rate: { rate: record.exchange_rate, currency },
        },
        expire_time: chinaTime(record.expire_at),
      },
      notify_url: record.notify_url,
      created_time: chinaTime(record.created_at),
      mer_check_date: record.mer_date,
    };
    if (record.ret_url) payment.ret_url = record.ret_url;
    if (record.execute_success_at !== null) payment.execute_success_time = chinaTime(record.execute_success_at);
    if (record.settle_date) payment.settle_date = record.settle_date;
    const failure = failureOf(record);
    if (failure) payment.error = failureView(failure);
    if (record.channel && record.channel !== record.payment_method) payment.paid_with = record.channel;
    payment.links = paymentLinks(record, this.#deps);
    return payment;
  }
}
