/**
 * Validation of a create-payment request into a PaymentDraft. Liberal in what it accepts (see
 * WIRE-NOTES.md: strings or numbers for amounts and quantities, minutes or ISO 8601 for
 * expire_time, unknown fields ignored), strict about money: amounts in minor units of the order's
 * one currency, order total = sum of sub-orders = sum of their items (when items are given).
 */
import { isCurrency, type Currency } from '../money/currencies.ts';
import { formatAmount, parseAmount } from '../money/decimal.ts';
import { isTransCode } from '../reference/trans-codes.ts';
import { findBank, ONLINE_BANKING_BANKS, takesOnlineBanking } from '../reference/banks.ts';
import { normalisePhone } from '../reference/cards.ts';
import { fail, str, url } from '../validation/request-fields.ts';
import { calendarDay } from '../time/china-time.ts';

export const PAYMENT_METHODS = [
  'CREDIT_CARD',
  'DEBIT_CARD',
  'WECHAT_SCAN',
  'ALIPAY_SCAN',
  'B2B_ONLINE_BANKING',
  'B2C_ONLINE_BANKING',
  'WECHAT_IN_APP',
  'WECHAT_WEB',
  'NOT_APPLICABLE',
] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];
export const INTERFACE_TYPES = ['SERVER_TO_SERVER', 'SERVER_TO_WEB', 'SERVER_TO_H5WEB', 'DIRECT_TO_BANK'] as const;
export type InterfaceType = (typeof INTERFACE_TYPES)[number];
/**
 * What the request may name: the enumeration, and the B2B sample's `CHECKOUT_COUNTER_WEB`
 * (reference 4.3, WIRE-NOTES "B2B"), which is the hosted checkout on the web: read as SERVER_TO_WEB.
 */
export const INTERFACE_TYPES_IN = [...INTERFACE_TYPES, 'CHECKOUT_COUNTER_WEB'] as const;
export type BusinessType = 'B2C' | 'B2B';

/** Online banking: a company's corporate account (B2B) or a person's own account (B2C) on the bank's page. */
export type OnlineBanking = 'B2B' | 'B2C';

const ONLINE_BANKING_CODES = ONLINE_BANKING_BANKS.map((b) => b.code).join(', ');

/** Methods this gateway takes today; the others are valid enums answered with a clear error. */
export const SUPPORTED_METHODS: readonly PaymentMethod[] = [
  'CREDIT_CARD',
  'DEBIT_CARD',
  'WECHAT_SCAN',
  'ALIPAY_SCAN',
  'WECHAT_WEB',
  'WECHAT_IN_APP',
  'NOT_APPLICABLE',
  'B2B_ONLINE_BANKING',
  'B2C_ONLINE_BANKING',
];

const ITEM_TYPES: Record<string, string> = {
  CLOTHING: 'CLOTHING',
  FOOD: 'FOOD',
  ELECTRONIC: 'ELECTRONIC',
  ELECTRONICS: 'ELECTRONIC',
  OTHER: 'OTHER',
};

export interface ItemDraft {
  readonly mer_item_id?: string;
  readonly type?: string;
  readonly name?: string;
  readonly description?: string;
  readonly quantity: number;
  readonly amountMinor: bigint;
}

export interface SubOrderDraft {
  readonly mer_sub_reference_id?: string;
  readonly order_summary?: string;
  readonly trans_code: string;
  readonly is_customs: boolean;
  readonly invoice_id?: string;
  readonly amountMinor: bigint;
  readonly items: readonly ItemDraft[];
}

export interface PaymentDraft {
  readonly paymentMethod: PaymentMethod;
  readonly interfaceType: InterfaceType;
  readonly businessType: BusinessType;
  readonly bankCode: string | undefined;
  readonly phone: string | undefined;
  readonly agreement: { usrBusiAgreementId: string; usrPayAgreementId: string } | undefined;
  /** WECHAT_WEB: the payer's open_id from /payments/wechat_openid. */
  readonly openId: string | undefined;
  readonly merReferenceId: string;
  readonly merDate: string;
  readonly currency: Currency;
  readonly amountMinor: bigint;
  readonly orderSummary: string | undefined;
  readonly userIp: string | undefined;
  readonly expireAt: number;
  readonly subOrders: readonly SubOrderDraft[];
  readonly notifyUrl: string;
  readonly retUrl: string | undefined;
  readonly riskInfo: Record<string, string> | undefined;
  /** Paid in a bank's online banking: B2B (a company's corporate account) or B2C (a personal account). */
  readonly onlineBanking: OnlineBanking | undefined;
  /** B2B: the paying company, as the merchant names it (our `EQ_...` id or its own external id). */
  readonly enterprise: { readonly id?: string; readonly externalId?: string } | undefined;
}

function obj(value: unknown, path: string, required = true): Record<string, unknown> | undefined {
  if (value === undefined || value === null || value === '') {
    if (required) fail(path, 'is required');
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) fail(path, 'must be an object');
  return value as Record<string, unknown>;
}

function enumOf<T extends string>(value: unknown, path: string, allowed: readonly T[], fallback?: T): T {
  const text = str(value, path, { required: fallback === undefined });
  if (text === undefined) return fallback as T;
  const upper = text.toUpperCase() as T;
  if (!allowed.includes(upper)) fail(path, `must be one of ${allowed.join(', ')}`);
  return upper;
}

function bool(value: unknown, path: string): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string' && typeof value !== 'number') return fail(path, 'must be TRUE or FALSE');
  const text = String(value).trim().toUpperCase();
  if (text === 'TRUE' || text === 'Y' || text === '1') return true;
  if (text === 'FALSE' || text === 'N' || text === '0') return false;
  return fail(path, 'must be TRUE or FALSE');
}

function amount(value: unknown, path: string, currency: Currency | undefined): { currency: Currency; minor: bigint } {
  // A missing amount is the reference's "amount must not be blank" (00202001), like a blank total.
  if (value === undefined || value === null || value === '') fail(`${path}.total`, 'is required', 'amount_missing');
  const a = obj(value, path)!;
  const code = str(a.currency, `${path}.currency`, { required: true })!.toUpperCase();
  if (!isCurrency(code)) fail(`${path}.currency`, `is not a supported currency`, 'currency_not_accepted');
  if (currency && code !== currency) fail(`${path}.currency`, `must be ${currency}, the order's currency`);
  const parsed = parseAmount(a.total, code);
  if (!parsed.ok) {
    switch (parsed.reason) {
      case 'blank':
        return fail(`${path}.total`, 'is required', 'amount_missing');
      case 'not_integer':
        return fail(`${path}.total`, `must be a whole amount in ${code}`, 'amount_not_whole');
      case 'scale':
        return fail(`${path}.total`, 'has more than two decimal places');
      default:
        return fail(`${path}.total`, 'must be a decimal amount like "100.02"');
    }
  }
  if (parsed.minor <= 0n) fail(`${path}.total`, 'must be larger than 0', 'amount_not_positive');
  if (parsed.minor >= 10_000_000_000n) fail(`${path}.total`, 'is too large');
  return { currency: code, minor: parsed.minor };
}

function merDate(value: unknown, now: number): string {
  const text = str(value, 'order.mer_date', { required: true, pattern: /^\d{8}$/ })!;
  const day = calendarDay(text);
  if (day === undefined) fail('order.mer_date', 'is not a valid date (YYYYMMDD)');
  // A merchant's date may differ from ours by time zone; more than a couple of days is a mistake.
  if (Math.abs(day - now) > 40 * 86_400_000) fail('order.mer_date', 'must be within 40 days of today');
  return text;
}

/** expire_time: minutes from now ("360") or an ISO 8601 date-time. */
export function expireAt(value: unknown, now: number, defaultMinutes: number): number {
  const text = str(value, 'order.expire_time', {});
  if (text === undefined) return now + defaultMinutes * 60_000;
  if (/^\d{1,6}$/.test(text)) {
    const minutes = Number(text);
    if (minutes < 1 || minutes > 43_200) fail('order.expire_time', 'must be between 1 and 43200 minutes');
    return now + minutes * 60_000;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text))
    fail('order.expire_time', 'must be minutes ("360") or an ISO 8601 date-time with a time zone');
  const at = Date.parse(text);
  if (!Number.isFinite(at)) fail('order.expire_time', 'is not a valid date-time');
  if (at <= now) fail('order.expire_time', 'is in the past', 'payment_expired');
  if (at > now + 30 * 86_400_000) fail('order.expire_time', 'is more than 30 days ahead');
  return at;
}

function quantity(value: unknown, path: string): number {
  if (value === undefined || value === null || value === '') return 1;
  if (typeof value !== 'string' && typeof value !== 'number') return fail(path, 'must be a positive whole number');
  const text = String(value).trim();
  if (!/^\d{1,7}$/.test(text) || Number(text) < 1) fail(path, 'must be a positive whole number');
  return Number(text);
}

export function parseCreatePayment(
  body: Record<string, unknown>,
  options: { now: number; defaultExpireMinutes: number },
): PaymentDraft {
  const payer = obj(body.payer, 'payer')!;
  const paymentMethod = enumOf(payer.payment_method, 'payer.payment_method', PAYMENT_METHODS);
  const online = paymentMethod === 'B2B_ONLINE_BANKING' || paymentMethod === 'B2C_ONLINE_BANKING';
  const named = enumOf(
    payer.interface_type,
    'payer.interface_type',
    INTERFACE_TYPES_IN,
    online ? 'DIRECT_TO_BANK' : 'SERVER_TO_SERVER',
  );
  const interfaceType: InterfaceType = named === 'CHECKOUT_COUNTER_WEB' ? 'SERVER_TO_WEB' : named;
  // The B2B sample sends no business_type: the method (or NOT_APPLICABLE straight to the bank) says B2B.
  const impliedB2b =
    paymentMethod === 'B2B_ONLINE_BANKING' ||
    (paymentMethod === 'NOT_APPLICABLE' && interfaceType === 'DIRECT_TO_BANK');
  const businessType = enumOf(
    payer.business_type,
    'payer.business_type',
    ['B2C', 'B2B'] as const,
    impliedB2b ? 'B2B' : 'B2C',
  );
  checkCombination(interfaceType, businessType, paymentMethod);
  if (!SUPPORTED_METHODS.includes(paymentMethod)) {
    fail(
      'payer.payment_method',
      `${paymentMethod} with interface_type ${interfaceType} and business_type ${businessType} ` +
        'is not available on this gateway yet',
    );
  }
  const onlineBanking: OnlineBanking | undefined =
    businessType === 'B2B' ? 'B2B' : paymentMethod === 'B2C_ONLINE_BANKING' ? 'B2C' : undefined;

  const bankCode = str(payer.bank_code, 'payer.bank_code', { max: 20 })?.toUpperCase();
  if (onlineBanking) {
    const combination = `${paymentMethod} with interface_type ${interfaceType} and business_type ${businessType}`;
    if (!bankCode && interfaceType === 'DIRECT_TO_BANK')
      fail('payer.bank_code', `is required for ${combination}: the bank whose online banking the payer pays in`);
    if (bankCode && !takesOnlineBanking(bankCode))
      fail(
        'payer.bank_code',
        `${bankCode} is not a bank of the platform's online banking (${ONLINE_BANKING_CODES})`,
        'bank_not_linked',
      );
  } else if (bankCode) {
    const bank = findBank(bankCode);
    if (!bank || !bank.types.includes(paymentMethod as 'CREDIT_CARD' | 'DEBIT_CARD'))
      fail('payer.bank_code', `${bankCode} does not take ${paymentMethod} payments`, 'bank_not_linked');
  }
  const payerInfo = obj(payer.payer_info, 'payer.payer_info', false) ?? {};
  const card = obj(payerInfo.bank_card, 'payer.payer_info.bank_card', false) ?? {};
  const enterprise =
    businessType === 'B2B' ? enterpriseOf(payer, payerInfo, card, paymentMethod, interfaceType) : undefined;
  const phoneText =
    str(payerInfo.phone, 'payer.payer_info.phone', { max: 20 }) ??
    str(card.phone, 'payer.payer_info.bank_card.phone', { max: 20 });
  let phone: string | undefined;
  if (phoneText !== undefined) {
    phone = normalisePhone(phoneText);
    if (!phone) fail('payer.payer_info.phone', 'must be a mainland China mobile number', 'phone_invalid');
  }
  const agreementIn = obj(payerInfo.payer_agreement, 'payer.payer_info.payer_agreement', false);
  let agreement: PaymentDraft['agreement'];
  const busi = str(agreementIn?.usr_busi_agreement_id, 'payer.payer_info.payer_agreement.usr_busi_agreement_id', {
    max: 64,
  });
  const pay = str(agreementIn?.usr_pay_agreement_id, 'payer.payer_info.payer_agreement.usr_pay_agreement_id', {
    max: 64,
  });
  if (busi || pay) {
    if (!busi || !pay)
      fail('payer.payer_info.payer_agreement', 'needs both usr_busi_agreement_id and usr_pay_agreement_id');
    agreement = { usrBusiAgreementId: busi, usrPayAgreementId: pay };
  }

  const web = obj(payerInfo.wechat_in_app_web, 'payer.payer_info.wechat_in_app_web', false);
  const openId = str(web?.open_id ?? payerInfo.open_id, 'payer.payer_info.wechat_in_app_web.open_id', {
    max: 64,
    pattern: /^[A-Za-z0-9_-]+$/,
  });
  if (paymentMethod === 'WECHAT_WEB' && !openId)
    fail(
      'payer.payer_info.wechat_in_app_web.open_id',
      'is required for WECHAT_WEB (get one from /payments/wechat_openid)',
    );

  const order = obj(body.order, 'order')!;
  const merReferenceId = str(order.mer_reference_id, 'order.mer_reference_id', {
    required: true,
    max: 64,
    pattern: /^[A-Za-z0-9_\-.]+$/,
  })!;
  const date = merDate(order.mer_date, options.now);
  const total = amount(order.amount, 'order.amount', undefined);

  const subOrdersIn = order.sub_orders;
  if (!Array.isArray(subOrdersIn) || subOrdersIn.length === 0) fail('order.sub_orders', 'must be a non-empty array');
  if (subOrdersIn.length > 100) fail('order.sub_orders', 'has more than 100 entries');
  const subOrders: SubOrderDraft[] = [];
  let subSum = 0n;
  subOrdersIn.forEach((raw, i) => {
    const path = `order.sub_orders[${i}]`;
    const sub = obj(raw, path)!;
    const subAmount = amount(sub.amount, `${path}.amount`, total.currency);
    const transCode = str(sub.trans_code, `${path}.trans_code`, { required: true })!;
    if (!isTransCode(transCode)) fail(`${path}.trans_code`, `${transCode} is not a transaction code of the appendix`);
    const items: ItemDraft[] = [];
    const itemsIn = sub.items;
    if (itemsIn !== undefined && itemsIn !== null) {
      if (!Array.isArray(itemsIn)) fail(`${path}.items`, 'must be an array');
      if (itemsIn.length > 200) fail(`${path}.items`, 'has more than 200 entries');
      let itemSum = 0n;
      itemsIn.forEach((rawItem, j) => {
        const ipath = `${path}.items[${j}]`;
        const item = obj(rawItem, ipath)!;
        const itemAmount = amount(item.amount, `${ipath}.amount`, total.currency);
        const typeText = str(item.type, `${ipath}.type`, {})?.toUpperCase();
        if (typeText !== undefined && !ITEM_TYPES[typeText])
          fail(`${ipath}.type`, 'must be CLOTHING, FOOD, ELECTRONIC or OTHER');
        itemSum += itemAmount.minor;
        items.push(
          compact({
            mer_item_id: str(item.mer_item_id, `${ipath}.mer_item_id`, { max: 64 }),
            type: typeText ? ITEM_TYPES[typeText] : undefined,
            name: str(item.name, `${ipath}.name`, { max: 256 }),
            description: str(item.description, `${ipath}.description`, { max: 1024 }),
            quantity: quantity(item.quantity, `${ipath}.quantity`),
            amountMinor: itemAmount.minor,
          }),
        );
      });
      if (items.length > 0 && itemSum !== subAmount.minor) {
        fail(
          `${path}.items`,
          `add up to ${formatAmount(itemSum, total.currency)} ` +
            `but the sub-order amount is ${formatAmount(subAmount.minor, total.currency)}`,
        );
      }
    }
    subSum += subAmount.minor;
    subOrders.push(
      compact({
        mer_sub_reference_id: str(sub.mer_sub_reference_id, `${path}.mer_sub_reference_id`, { max: 64 }),
        order_summary: str(sub.order_summary, `${path}.order_summary`, { max: 256 }),
        trans_code: transCode,
        is_customs: bool(sub.is_customs, `${path}.is_customs`),
        invoice_id: str(sub.invoice_id, `${path}.invoice_id`, { max: 64 }),
        amountMinor: subAmount.minor,
        items,
      }),
    );
  });
  if (subSum !== total.minor) {
    fail(
      'order.sub_orders',
      `add up to ${formatAmount(subSum, total.currency)} ` +
        `but the order amount is ${formatAmount(total.minor, total.currency)}`,
    );
  }

  let riskInfo: Record<string, string> | undefined;
  const riskIn = obj(body.risk_info, 'risk_info', false);
  if (riskIn) {
    riskInfo = {};
    for (const [k, v] of Object.entries(riskIn).slice(0, 40))
      if (typeof v === 'string' || typeof v === 'number') riskInfo[k] = String(v).slice(0, 256);
  }

  return {
    paymentMethod,
    interfaceType,
    businessType,
    bankCode,
    phone,
    agreement,
    openId,
    merReferenceId,
    merDate: date,
    currency: total.currency,
    amountMinor: total.minor,
    orderSummary: str(order.order_summary, 'order.order_summary', { max: 256 }),
    userIp: str(order.user_ip ?? payer.user_ip ?? body.user_ip, 'order.user_ip', { max: 64 }),
    expireAt: expireAt(order.expire_time, options.now, options.defaultExpireMinutes),
    subOrders,
    notifyUrl: url(body.notify_url, 'notify_url', true)!,
    retUrl: url(body.ret_url, 'ret_url', false),
    riskInfo,
    onlineBanking,
    enterprise,
  };
}

/**
 * The company a B2B payment names: `payer.enterprise_qualification` (objs.md "business elements
 * object"; `payer.payer_info.enterprise_qualification` is read too) by `external_enterprise_id` or our
 * `id`, or the reference sample's `payer.payer_info.bank_card.external_customer_id` (the merchant's
 * own id of the company).
 */
function enterpriseOf(
  payer: Record<string, unknown>,
  payerInfo: Record<string, unknown>,
  card: Record<string, unknown>,
  method: PaymentMethod,
  interfaceType: InterfaceType,
): { id?: string; externalId?: string } {
  const element =
    obj(payer.enterprise_qualification, 'payer.enterprise_qualification', false) ??
    obj(payerInfo.enterprise_qualification, 'payer.payer_info.enterprise_qualification', false);
  const path = 'payer.enterprise_qualification';
  const id = str(element?.id, `${path}.id`, { max: 64, pattern: /^EQ_[A-Za-z0-9]+$/ });
  const externalId =
    str(element?.external_enterprise_id, `${path}.external_enterprise_id`, { max: 64 }) ??
    str(card.external_customer_id, 'payer.payer_info.bank_card.external_customer_id', { max: 64 });
  if (id === undefined && externalId === undefined) {
    fail(
      path,
      `is required: a ${method} payment with interface_type ${interfaceType} and business_type B2B names the ` +
        'paying company by enterprise_qualification.external_enterprise_id (or id), or by ' +
        'payer_info.bank_card.external_customer_id',
    );
  }
  return compact({ id, externalId });
}

/** The reference's table of payment methods valid for each interface_type and business_type. */
export const VALID_COMBINATIONS: Readonly<
  Record<InterfaceType, Readonly<Record<BusinessType, readonly PaymentMethod[]>>>
> = {
  SERVER_TO_SERVER: {
    B2C: ['CREDIT_CARD', 'DEBIT_CARD', 'WECHAT_SCAN', 'WECHAT_IN_APP', 'WECHAT_WEB', 'ALIPAY_SCAN'],
    B2B: [],
  },
  SERVER_TO_WEB: {
    B2C: ['CREDIT_CARD', 'DEBIT_CARD', 'WECHAT_SCAN', 'ALIPAY_SCAN', 'NOT_APPLICABLE'],
    B2B: ['NOT_APPLICABLE', 'B2B_ONLINE_BANKING'],
  },
  SERVER_TO_H5WEB: { B2C: ['CREDIT_CARD', 'DEBIT_CARD', 'WECHAT_SCAN', 'ALIPAY_SCAN', 'NOT_APPLICABLE'], B2B: [] },
  DIRECT_TO_BANK: {
    B2C: ['WECHAT_SCAN', 'ALIPAY_SCAN', 'B2C_ONLINE_BANKING'],
    B2B: ['NOT_APPLICABLE', 'B2B_ONLINE_BANKING'],
  },
};

function checkCombination(interfaceType: InterfaceType, businessType: BusinessType, method: PaymentMethod): void {
  if (!VALID_COMBINATIONS[interfaceType][businessType].includes(method)) {
    fail(
      'payer.payment_method',
      `${method} is not valid with interface_type ${interfaceType} and business_type ${businessType}`,
    );
  }
}

/** `value` without its undefined members (a new object: `delete` would make a slow dictionary of it). */
function compact<T extends Record<string, unknown>>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const key in value) if (value[key] !== undefined) out[key] = value[key];
  return out as T;
}

/** The order as stored (`order_json`) and shown: amounts as decimal strings, is_customs as TRUE/FALSE. */
export function orderView(draft: PaymentDraft): Record<string, unknown> {
  const { currency } = draft;
  const order: Record<string, unknown> = { mer_reference_id: draft.merReferenceId, mer_date: draft.merDate };
  if (draft.orderSummary) order.order_summary = draft.orderSummary;
  if (draft.userIp) order.user_ip = draft.userIp;
  // Members in the draft's order, then amount (and items): written out, not spread (measured faster).
  order.sub_orders = draft.subOrders.map((sub) => {
    const view: Record<string, unknown> = {};
    for (const key in sub) {
      if (key === 'amountMinor' || key === 'items') continue;
      view[key] = key === 'is_customs' ? (sub.is_customs ? 'TRUE' : 'FALSE') : sub[key as keyof SubOrderDraft];
    }
    view.is_customs ??= 'FALSE';
    view.amount = amountView(sub.amountMinor, currency);
    if (sub.items.length > 0) {
      view.items = sub.items.map((item) => {
        const itemView: Record<string, unknown> = {};
        for (const key in item) {
          if (key !== 'amountMinor' && key !== 'quantity') itemView[key] = item[key as keyof ItemDraft];
        }
        itemView.quantity = String(item.quantity);
        itemView.amount = amountView(item.amountMinor, currency);
        return itemView;
      });
    }
    return view;
  });
  return order;
}

function amountView(minor: bigint, currency: Currency): { total: string; currency: Currency } {
  return { total: formatAmount(minor, currency), currency };
}

/** The payer as stored (`payer_json`) and shown, without payer_info (the view adds it). */
export function payerView(draft: PaymentDraft): Record<string, unknown> {
  const payer: Record<string, unknown> = {
    payment_method: draft.paymentMethod,
    interface_type: draft.interfaceType,
    business_type: draft.businessType,
  };
  if (draft.bankCode) payer.bank_code = draft.bankCode;
  return payer;
}
