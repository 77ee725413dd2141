/**
 * The payment object as the API, notifications and pages show it. Built from the stored row; card
 * data never appears (only the agreement's last four digits).
 */
import type { Selectable } from 'kysely';
import type { PaymentsTable } from '../store/schema.ts';
import { formatAmount, formatScaled } from '../money/decimal.ts';
import { isCurrency } from '../money/currencies.ts';
import { toMinor } from '../store/schema.ts';
import { chinaTime } from '../time/china-time.ts';

export type PaymentRow = Selectable<PaymentsTable>;

export interface Link {
  readonly ref: string;
  readonly rel: string;
  readonly method: 'GET' | 'POST';
  readonly href: string;
}

export function link(ref: string, method: 'GET' | 'POST', href: string): Link {
  return { ref, rel: ref, method, href };
}

export interface AgreementView {
  usr_busi_agreement_id: string;
  usr_pay_agreement_id: string;
  gate_id: string;
  last_four_cardid: string;
}

/** Where a payment's links point. */
export interface PaymentUrls {
  readonly api: string;
  /** The hosted checkout page of a payment (with its access token). */
  checkout(paymentId: string): string;
}

export function paymentLinks(row: PaymentRow, urls: PaymentUrls): Link[] {
  const self = `${urls.api}/payments/payment/${row.id}`;
  const links = [link('self', 'GET', self)];
  if (row.interface_type === 'SERVER_TO_WEB' || row.interface_type === 'SERVER_TO_H5WEB') {
    // The reference's order for web payments; clients read links[3] (upay) by position.
    links.push(
      link('refund', 'POST', `${self}/refund`),
      link('apply_to_customs', 'POST', `${self}/apply_to_customs`),
      link('upay', 'GET', urls.checkout(row.id)),
    );
    return links;
  }
  const isCard = row.payment_method === 'CREDIT_CARD' || row.payment_method === 'DEBIT_CARD';
  if (row.state === 'WAIT_BUYER_PAY' && isCard) {
    if (row.stage === 'created') links.push(link('sms_verify', 'POST', `${self}/verify`));
    if (row.stage === 'sms_sent') links.push(link('confirm', 'POST', `${self}/execute`));
  }
  if (row.state === 'TRADE_SUCCESS') {
    links.push(link('refund', 'POST', `${self}/refund`));
    // Payments store is_customs as "TRUE"/"FALSE" (payments.ts): a paid order with a customs
    // sub-order can be declared.
    if (row.order_json.includes('"is_customs":"TRUE"'))
      links.push(link('apply_to_customs', 'POST', `${self}/apply_to_customs`));
  }
  return links;
}

/** Where a row made in this process keeps the objects its order_json and payer_json are the JSON of. */
const VIEWS = Symbol('payment views');

interface WithViews {
  [VIEWS]?: { order: Record<string, unknown>; payer: Record<string, unknown> };
}

/**
 * Remembers the objects `row.order_json` and `row.payer_json` are the JSON of (create), so that
 * rendering the new row does not parse them back. They must not be changed afterwards.
 */
export function rememberViews(
  row: PaymentRow,
  order: Record<string, unknown>,
  payer: Record<string, unknown>,
): PaymentRow {
  Object.defineProperty(row, VIEWS, { value: { order, payer } });
  return row;
}

export function renderPayment(row: PaymentRow, urls: PaymentUrls, agreement?: AgreementView): Record<string, unknown> {
  const currency = isCurrency(row.currency) ? row.currency : 'CNY';
  const views = (row as WithViews)[VIEWS];
  const order = views?.order ?? (JSON.parse(row.order_json) as Record<string, unknown>);
  const payer = views?.payer ?? (JSON.parse(row.payer_json) as Record<string, unknown>);
  const payerInfo: Record<string, unknown> = {};
  if (row.phone) payerInfo.phone = row.phone;
  if (agreement) payerInfo.payer_agreement = agreement;
  else if (row.card_last4 && (row.channel === 'CREDIT_CARD' || row.channel === 'DEBIT_CARD'))
    payerInfo.bank_card = { last_four_cardid: row.card_last4 };
  if (row.wallet_json) {
    const wallet = JSON.parse(row.wallet_json) as {
      qr_code_url?: string;
      open_id?: string;
      pay_info?: Record<string, string>;
    };
    if (row.payment_method === 'WECHAT_SCAN' || row.payment_method === 'ALIPAY_SCAN')
      payerInfo.qr_code_scan = { qr_code_url: wallet.qr_code_url };
    if (row.payment_method === 'WECHAT_WEB')
      payerInfo.wechat_in_app_web = { open_id: wallet.open_id, pay_info: wallet.pay_info };
    if (row.payment_method === 'WECHAT_IN_APP') payerInfo.wechat_in_app = { pay_info: wallet.pay_info };
  }
  const payment: Record<string, unknown> = {
    id: row.id,
    state: row.state,
    payer: { ...payer, payer_info: payerInfo },
    order: {
      ...order,
      amount: {
        total: formatAmount(toMinor(row.amount_minor), currency),
        currency,
        total_cny: formatScaled(toMinor(row.total_cny_minor), 2),
        exchange_rate: { rate: row.exchange_rate, currency },
      },
      expire_time: chinaTime(Number(row.expire_at)),
    },
    notify_url: row.notify_url,
    created_time: chinaTime(Number(row.created_at)),
    mer_check_date: row.mer_date,
  };
  if (row.ret_url) payment.ret_url = row.ret_url;
  if (row.execute_success_at !== null) payment.execute_success_time = chinaTime(Number(row.execute_success_at));
  if (row.settle_date) payment.settle_date = row.settle_date;
  if (row.error_code) payment.error = { ret_code: row.error_code, ret_msg: row.error_msg ?? '' };
  if (row.channel && row.channel !== row.payment_method) payment.paid_with = row.channel;
  payment.links = paymentLinks(row, urls);
  return payment;
}
