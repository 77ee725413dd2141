/**
 * Validation of a create-refund request (POST /payments/payment/{id}/refund) into a RefundDraft.
 * Real clients send the refund in three shapes (WIRE-NOTES.md "Refund requests come in three
 * shapes"), all meaning the same request:
 *
 *   reference 3.7   {"org_amount":{...},"orders":[{"mer_reference_id","mer_date","amount","sub_orders":[...]}]}
 *   Java client     {"order":{...},"notify_url":"...","parent_payment":"PAY_..."}
 *   later demo      {"refund_info":{"mer_reference_id","mer_date","amount","refund_summary","sub_orders":[...]},
 *                    "notify_url":"...","parent_payment":"PAY_..."}
 *
 * (`{"refund":{...}}` wrapping any of them is accepted too.) The refund's `mer_reference_id` and
 * `mer_date` are the merchant's refund number; the parent payment is the one of the URL. Amounts
 * are parsed in the payment's currency: a refund in another currency is 00202011; amounts that do
 * not add up (order = sum of sub-orders = sum of their items) are 00202009.
 */
import { isCurrency, type Currency } from '../money/currencies.ts';
import { formatAmount, parseAmount } from '../money/decimal.ts';
import { url } from '../validation/request-fields.ts';
import { fail, isObject, str } from '../validation/request-fields.ts';
import { calendarDay } from '../time/china-time.ts';

export type RefundShape = 'orders' | 'order' | 'refund_info';

export interface RefundItemDraft {
  readonly mer_item_id?: string;
  readonly type?: string;
  readonly name?: string;
  readonly description?: string;
  readonly quantity?: string;
  readonly amountMinor: bigint;
}

export interface RefundSubOrderDraft {
  readonly mer_sub_reference_id?: string;
  readonly trans_code?: string;
  readonly amountMinor: bigint;
  readonly items: readonly RefundItemDraft[];
}

export interface RefundDraft {
  readonly shape: RefundShape;
  readonly merReferenceId: string;
  readonly merDate: string;
  readonly currency: Currency;
  readonly amountMinor: bigint;
  /** The reference's `org_amount`: the original payment's amount, as the merchant states it. */
  readonly orgAmountMinor: bigint | undefined;
  readonly refundSummary: string | undefined;
  readonly subOrders: readonly RefundSubOrderDraft[];
  /** Where the refund's result goes; the payment's notify_url when the request has none. */
  readonly notifyUrl: string | undefined;
  /** `parent_payment` of the body, when given (must be the payment of the URL). */
  readonly parentPayment: string | undefined;
}

function obj(value: unknown, path: string): Record<string, unknown> {
  if (!isObject(value))
    fail(path, value === undefined || value === null || value === '' ? 'is required' : 'must be an object');
  return value;
}

/** An amount object in the payment's currency. */
function amount(value: unknown, path: string, currency: Currency): bigint {
  if (value === undefined || value === null || value === '') fail(`${path}.total`, 'is required', 'amount_missing');
  const a = obj(value, path);
  const code = str(a.currency, `${path}.currency`, { required: true })!.toUpperCase();
  if (code !== currency)
    fail(
      `${path}.currency`,
      `is ${isCurrency(code) ? code : `"${code}"`}, the payment is in ${currency}`,
      'refund_currency_mismatch',
    );
  const parsed = parseAmount(a.total, currency);
  if (!parsed.ok) {
    switch (parsed.reason) {
      case 'blank':
        return fail(`${path}.total`, 'is required', 'amount_missing');
      case 'not_integer':
        return fail(`${path}.total`, `must be a whole amount in ${currency}`, 'amount_not_whole');
      case 'scale':
        return fail(`${path}.total`, `has more decimal places than ${currency} has`, 'refund_amount_incorrect');
      default:
        return fail(`${path}.total`, 'must be a decimal amount like "100.02"', 'refund_amount_incorrect');
    }
  }
  if (parsed.minor <= 0n) fail(`${path}.total`, 'must be larger than 0', 'amount_not_positive');
  return parsed.minor;
}

function merDate(value: unknown, path: string): string {
  const text = str(value, path, { required: true, pattern: /^\d{8}$/ })!;
  if (calendarDay(text) === undefined) fail(path, 'is not a valid date (YYYYMMDD)');
  return text;
}

/** Finds the refund object in whichever shape the client sent. */
function locate(body: Record<string, unknown>): {
  shape: RefundShape;
  order: Record<string, unknown>;
  path: string;
  outer: Record<string, unknown>;
} {
  const outer = isObject(body.refund) ? body.refund : body;
  if (outer.refund_info !== undefined)
    return { shape: 'refund_info', order: obj(outer.refund_info, 'refund_info'), path: 'refund_info', outer };
  if (outer.order !== undefined) return { shape: 'order', order: obj(outer.order, 'order'), path: 'order', outer };
  if (outer.orders !== undefined) {
    if (!Array.isArray(outer.orders) || outer.orders.length === 0)
      fail('orders', 'must be an array with the one order to refund');
    if (outer.orders.length > 1) fail('orders', 'must hold exactly one order: a refund belongs to one payment');
    return { shape: 'orders', order: obj(outer.orders[0], 'orders[0]'), path: 'orders[0]', outer };
  }
  return fail('order', 'is required (or orders[] / refund_info)');
}

export function parseRefundRequest(body: Record<string, unknown>, paymentCurrency: Currency): RefundDraft {
  const { shape, order, path, outer } = locate(body);
  const merReferenceId = str(order.mer_reference_id, `${path}.mer_reference_id`, {
    required: true,
    max: 64,
    pattern: /^[A-Za-z0-9_\-.]+$/,
  })!;
  const date = merDate(order.mer_date, `${path}.mer_date`);
  const total = amount(order.amount, `${path}.amount`, paymentCurrency);
  const orgAmountMinor =
    outer.org_amount === undefined || outer.org_amount === null || outer.org_amount === ''
      ? undefined
      : amount(outer.org_amount, 'org_amount', paymentCurrency);

  const subOrders: RefundSubOrderDraft[] = [];
  const subOrdersIn = order.sub_orders;
  if (subOrdersIn !== undefined && subOrdersIn !== null) {
    if (!Array.isArray(subOrdersIn)) fail(`${path}.sub_orders`, 'must be an array');
    if (subOrdersIn.length > 100) fail(`${path}.sub_orders`, 'has more than 100 entries');
    const seen = new Set<string>();
    let subSum = 0n;
    subOrdersIn.forEach((raw, i) => {
      const spath = `${path}.sub_orders[${i}]`;
      const sub = obj(raw, spath);
      const subMinor = amount(sub.amount, `${spath}.amount`, paymentCurrency);
      const subRef = str(sub.mer_sub_reference_id, `${spath}.mer_sub_reference_id`, { max: 64 });
      if (subRef !== undefined) {
        if (seen.has(subRef)) fail(`${spath}.mer_sub_reference_id`, `${subRef} appears twice`);
        seen.add(subRef);
      }
      const items: RefundItemDraft[] = [];
      const itemsIn = sub.items;
      if (itemsIn !== undefined && itemsIn !== null) {
        if (!Array.isArray(itemsIn)) fail(`${spath}.items`, 'must be an array');
        if (itemsIn.length > 200) fail(`${spath}.items`, 'has more than 200 entries');
        let itemSum = 0n;
        itemsIn.forEach((rawItem, j) => {
          const ipath = `${spath}.items[${j}]`;
          const item = obj(rawItem, ipath);
          const itemMinor = amount(item.amount, `${ipath}.amount`, paymentCurrency);
          itemSum += itemMinor;
          items.push(
            compact({
              mer_item_id: str(item.mer_item_id, `${ipath}.mer_item_id`, { max: 64 }),
              type: str(item.type, `${ipath}.type`, { max: 32 })?.toUpperCase(),
              name: str(item.name, `${ipath}.name`, { max: 256 }),
              description: str(item.description, `${ipath}.description`, { max: 1024 }),
              quantity: str(item.quantity, `${ipath}.quantity`, { pattern: /^[1-9]\d{0,6}$/ }),
              amountMinor: itemMinor,
            }),
          );
        });
        if (items.length > 0 && itemSum !== subMinor) {
          fail(
            `${spath}.items`,
            `add up to ${formatAmount(itemSum, paymentCurrency)} but the sub-order amount is ` +
              `${formatAmount(subMinor, paymentCurrency)}`,
            'refund_amount_incorrect',
          );
        }
      }
      subSum += subMinor;
      subOrders.push(
        compact({
          mer_sub_reference_id: subRef,
          trans_code: str(sub.trans_code, `${spath}.trans_code`, { max: 16 }),
          amountMinor: subMinor,
          items,
        }),
      );
    });
    if (subOrders.length > 0 && subSum !== total) {
      fail(
        `${path}.sub_orders`,
        `add up to ${formatAmount(subSum, paymentCurrency)} but the refund amount is ` +
          `${formatAmount(total, paymentCurrency)}`,
        'refund_amount_incorrect',
      );
    }
  }

  const notifyUrl = url(outer.notify_url ?? order.notify_url, 'notify_url', false);
  const parentPayment = str(outer.parent_payment ?? order.parent_payment, 'parent_payment', { max: 64 });
  return {
    shape,
    merReferenceId,
    merDate: date,
    currency: paymentCurrency,
    amountMinor: total,
    orgAmountMinor,
    refundSummary: str(order.refund_summary ?? outer.refund_summary, `${path}.refund_summary`, { max: 256 }),
    subOrders,
    notifyUrl,
    parentPayment,
  };
}

/** The refund's order as stored and shown (amounts as decimal strings in the order currency). */
export function refundOrderView(draft: RefundDraft): Record<string, unknown> {
  const order: Record<string, unknown> = { mer_reference_id: draft.merReferenceId, mer_date: draft.merDate };
  if (draft.refundSummary) order.refund_summary = draft.refundSummary;
  if (draft.subOrders.length > 0) {
    order.sub_orders = draft.subOrders.map(({ amountMinor, items, ...rest }) => ({
      ...rest,
      amount: { total: formatAmount(amountMinor, draft.currency), currency: draft.currency },
      ...(items.length > 0
        ? {
            items: items.map(({ amountMinor: itemMinor, ...item }) => ({
              ...item,
              amount: { total: formatAmount(itemMinor, draft.currency), currency: draft.currency },
            })),
          }
        : {}),
    }));
  }
  return order;
}

function compact<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}
