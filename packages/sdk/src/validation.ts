// Client-side checks that catch programming mistakes before anything is sent.
import type { Amount, CreatePaymentParams } from './types.ts';

const DECIMAL_RE = /^\d{1,10}(\.\d{1,2})?$/;
const QUANTITY_RE = /^[1-9]\d{0,9}$/;

function checkAmount(amount: Amount | undefined, where: string): void {
  if (!amount || typeof amount !== 'object') throw new TypeError(`${where} is required`);
  if (typeof amount.total !== 'string') {
    throw new TypeError(
      `${where}.total must be a decimal STRING such as "100.02", not a ${typeof amount.total}: ` +
        'floating point numbers cannot represent money exactly',
    );
  }
  if (!DECIMAL_RE.test(amount.total)) {
    throw new TypeError(
      `${where}.total must look like "100.02" (digits, at most two decimals); got ${JSON.stringify(amount.total)}`,
    );
  }
  if (typeof amount.currency !== 'string' || !/^[A-Z]{3}$/.test(amount.currency)) {
    throw new TypeError(`${where}.currency must be an ISO 4217 code such as "USD"`);
  }
}

/** `value` if it is a YYYYMMDD string; `name` names it in the error, e.g. `transactions.list: merDate`. */
export function requireDate(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^\d{8}$/.test(value)) throw new TypeError(`${name} must be a YYYYMMDD string`);
  return value;
}

/** An optional positive integer as a query parameter: its decimal text, or undefined when not given. */
export function optionalPositiveInteger(value: number | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer`);
  return String(value);
}

export function requireNonEmpty(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${name} must be a non-empty string`);
  return value;
}

export function validateCreatePayment(params: CreatePaymentParams): void {
  if (!params || typeof params !== 'object') throw new TypeError('payments.create: params are required');
  if (!params.payer || typeof params.payer !== 'object') throw new TypeError('payer is required');
  requireNonEmpty(params.payer.payment_method, 'payer.payment_method');
  if (params.payer.payment_method === 'WECHAT_WEB') {
    const openId = params.payer.payer_info?.wechat_in_app_web?.open_id;
    if (typeof openId !== 'string' || openId.trim() === '') {
      throw new TypeError(
        'payer.payer_info.wechat_in_app_web.open_id is required for WECHAT_WEB: ' +
          'get it with client.wechat.openIdLink and parseOpenIdRedirect',
      );
    }
  }
  const order = params.order;
  if (!order || typeof order !== 'object') throw new TypeError('order is required');
  requireNonEmpty(order.mer_reference_id, 'order.mer_reference_id');
  requireDate(order.mer_date, 'order.mer_date');
  checkAmount(order.amount, 'order.amount');
  if (!Array.isArray(order.sub_orders) || order.sub_orders.length === 0) {
    throw new TypeError('order.sub_orders must be a non-empty array');
  }
  order.sub_orders.forEach((sub, i) => {
    checkAmount(sub.amount, `order.sub_orders[${i}].amount`);
    sub.items?.forEach((item, j) => {
      const at = `order.sub_orders[${i}].items[${j}]`;
      checkAmount(item.amount, `${at}.amount`);
      if (typeof item.quantity !== 'string' || !QUANTITY_RE.test(item.quantity)) {
        throw new TypeError(`${at}.quantity must be a positive integer STRING such as "2"`);
      }
    });
  });
  requireNonEmpty(params.notify_url, 'notify_url');
}
