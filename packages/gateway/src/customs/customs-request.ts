/**
 * Validation of a customs declaration request (POST /payments/payment/{id}/apply_to_customs,
 * reference 3.9, objs.md `customs_declaration`) into a CustomsDraft:
 *
 *   {"customs_id":"NB","mer_customs_code":"2342362435435","ec_plat_id":"2342362435435",
 *    "freight_amount":{"total":"10.00","total_cny":"71.23","currency":"USD"},
 *    "tax_amount":{"total":"0","total_cny":"0","currency":"USD"},
 *    "sub_order_amount":{"total":"50.02","total_cny":"356.31","currency":"USD"},
 *    "notify_url":"https://shop.example/umf/customs",
 *    "sub_order":{"mer_sub_reference_id":"SUB-1","items":[{"mer_item_id":"tee"},{"mer_item_id":"cap"}]}}
 *
 * (`{"customs_declaration":{...}}` wrapping it is accepted too; keys are already normalised by
 * request-json.ts, unknown fields are ignored.) Rules, each naming the field in the message:
 * - `customs_id` is required (00060700) and one of the customs offices of
 *   reference/customs-offices.ts (00202012);
 * - `mer_customs_code` and `ec_plat_id` are required, at most 64 of `A-Z a-z 0-9 _ - .` (00060700):
 *   they travel to the customs office and into the comma-separated customs file as they are;
 * - `sub_order` with its `mer_sub_reference_id` is required (00202015 "sub-order is absent"), and
 *   `sub_order.items` is a non-empty array of `{mer_item_id}` (00202016 "cargo information absent");
 * - the three amounts are required objects `{total, total_cny, currency}` (numbers or strings) in the
 *   payment's currency or in CNY (00060700); `total` >= 0 (the sub-order's > 0), parsed into minor
 *   units of its currency; `total_cny` in fen: equal to `total` for CNY amounts (defaulted to it),
 *   and for the payment's currency defaulted to `total` at the payment's locked rate (ROUND_HALF_UP);
 * - `notify_url` is optional (the payment's is used when absent).
 * Whether the sub-order and items belong to the payment is checked by customs.ts.
 */
import type { Reason } from '../errors/domain-error.ts';
import { findCustomsOffice, CUSTOMS_OFFICES } from '../reference/customs-offices.ts';
import { isCurrency, type Currency } from '../money/currencies.ts';
import { convertToCny, formatAmount, formatScaled, parseAmount, type ScaledDecimal } from '../money/decimal.ts';
import { url } from '../validation/request-fields.ts';
import { fail, isObject, str } from '../validation/request-fields.ts';

/** Characters of every identifier that goes to the customs office and into the customs file. */
export const CUSTOMS_ID_PATTERN = /^[A-Za-z0-9_\-.]+$/;
const MAX_TOTAL_MINOR = 10_000_000_000n;
const MAX_ITEMS = 200;

export interface CustomsAmountDraft {
  readonly currency: Currency;
  /** `total` in minor units of `currency`. */
  readonly minor: bigint;
  /** `total_cny` in fen. */
  readonly cnyFen: bigint;
}

export interface CustomsDraft {
  readonly customsId: string;
  readonly merCustomsCode: string;
  readonly ecPlatId: string;
  readonly freight: CustomsAmountDraft;
  readonly tax: CustomsAmountDraft;
  readonly subOrderAmount: CustomsAmountDraft;
  /** Where the final state goes; the payment's notify_url when the request has none. */
  readonly notifyUrl: string | undefined;
  readonly merSubReferenceId: string;
  readonly itemIds: readonly string[];
}

/** What the amounts are read against: the payment's currency and its locked rate. */
export interface CustomsPaymentTerms {
  readonly currency: Currency;
  readonly rate: ScaledDecimal;
}

function amount(value: unknown, path: string, terms: CustomsPaymentTerms, positive: boolean): CustomsAmountDraft {
  if (value === undefined || value === null || value === '')
    fail(path, 'is required: an amount object {"total","total_cny","currency"}');
  if (!isObject(value)) fail(path, 'must be an amount object {"total","total_cny","currency"}');
  const code = str(value.currency, `${path}.currency`, { required: true })!.toUpperCase();
  if (!isCurrency(code)) fail(`${path}.currency`, `${JSON.stringify(code.slice(0, 8))} is not a currency code`);
  if (code !== terms.currency && code !== 'CNY')
    fail(`${path}.currency`, `is ${code}: customs amounts are in the payment's currency (${terms.currency}) or in CNY`);
  const total = decimal(value.total, `${path}.total`, code, positive);
  let cnyFen: bigint;
  const cnyGiven = value.total_cny !== undefined && value.total_cny !== null && value.total_cny !== '';
  if (code === 'CNY') {
    cnyFen = total;
    if (cnyGiven && decimal(value.total_cny, `${path}.total_cny`, 'CNY', false) !== total)
      fail(`${path}.total_cny`, `must equal total (${formatAmount(total, 'CNY')}) for a CNY amount`);
  } else {
    cnyFen = cnyGiven
      ? decimal(value.total_cny, `${path}.total_cny`, 'CNY', false)
      : convertToCny(total, code, terms.rate);
  }
  if (positive && cnyFen <= 0n) fail(`${path}.total_cny`, 'must be larger than 0');
  return { currency: code, minor: total, cnyFen };
}

function decimal(value: unknown, path: string, currency: Currency, positive: boolean): bigint {
  const parsed = parseAmount(value, currency);
  if (!parsed.ok) {
    switch (parsed.reason) {
      case 'blank':
        return fail(path, 'is required');
      case 'not_integer':
        return fail(path, `must be a whole amount in ${currency}`);
      case 'scale':
        return fail(path, `has more decimal places than ${currency} has`);
      default:
        return fail(path, 'must be a decimal amount like "100.02"');
    }
  }
  if (positive && parsed.minor <= 0n) fail(path, 'must be larger than 0');
  if (parsed.minor >= MAX_TOTAL_MINOR) fail(path, 'is too large');
  return parsed.minor;
}

function identifier(value: unknown, path: string, reason: Reason = 'invalid_request'): string {
  const text = str(value, path, { max: 64 });
  if (text === undefined) return fail(path, 'is required', reason);
  if (!CUSTOMS_ID_PATTERN.test(text)) fail(path, 'may only hold letters, digits, "_", "-" and "."');
  return text;
}

export function parseCustomsRequest(body: Record<string, unknown>, terms: CustomsPaymentTerms): CustomsDraft {
  const input = isObject(body.customs_declaration) ? body.customs_declaration : body;

  const customsIdText = str(input.customs_id, 'customs_id', { required: true, max: 16 })!;
  const office = findCustomsOffice(customsIdText);
  if (!office) {
    fail(
      'customs_id',
      `${JSON.stringify(customsIdText)} is not a customs office of the platform (one of ` +
        `${CUSTOMS_OFFICES.map((o) => o.code).join(', ')})`,
      'customs_office_unknown',
    );
  }
  const merCustomsCode = identifier(input.mer_customs_code, 'mer_customs_code');
  const ecPlatId = identifier(input.ec_plat_id, 'ec_plat_id');

  const subOrder = input.sub_order;
  if (subOrder === undefined || subOrder === null || subOrder === '')
    fail('sub_order', 'is required: {"mer_sub_reference_id","items":[{"mer_item_id"}]}', 'customs_sub_order_absent');
  if (!isObject(subOrder))
    fail(
      'sub_order',
      'must be an object {"mer_sub_reference_id","items":[{"mer_item_id"}]}',
      'customs_sub_order_absent',
    );
  const merSubReferenceId = identifier(
    subOrder.mer_sub_reference_id,
    'sub_order.mer_sub_reference_id',
    'customs_sub_order_absent',
  );
  const itemsIn = subOrder.items;
  if (!Array.isArray(itemsIn) || itemsIn.length === 0)
    fail('sub_order.items', 'must be a non-empty array of {"mer_item_id"}', 'customs_items_absent');
  if (itemsIn.length > MAX_ITEMS) fail('sub_order.items', `has more than ${MAX_ITEMS} entries`);
  const itemIds: string[] = [];
  itemsIn.forEach((raw, i) => {
    const path = `sub_order.items[${i}]`;
    if (!isObject(raw)) fail(path, 'must be an object {"mer_item_id"}', 'customs_items_absent');
    const id = str(raw.mer_item_id, `${path}.mer_item_id`, { max: 64 });
    if (id === undefined) fail(`${path}.mer_item_id`, 'is required', 'customs_items_absent');
    if (itemIds.includes(id)) fail(`${path}.mer_item_id`, `${id} appears twice`);
    itemIds.push(id);
  });

  return {
    customsId: office.code,
    merCustomsCode,
    ecPlatId,
    freight: amount(input.freight_amount, 'freight_amount', terms, false),
    tax: amount(input.tax_amount, 'tax_amount', terms, false),
    subOrderAmount: amount(input.sub_order_amount, 'sub_order_amount', terms, true),
    notifyUrl: url(input.notify_url, 'notify_url', false),
    merSubReferenceId,
    itemIds,
  };
}

/** An amount as stored and shown: strings with the currency's digits, `total_cny` in CNY. */
export function customsAmountView(a: CustomsAmountDraft): { total: string; currency: Currency; total_cny: string } {
  return { total: formatAmount(a.minor, a.currency), currency: a.currency, total_cny: formatScaled(a.cnyFen, 2) };
}

/** The declaration as stored in `declaration_json` (customs-view.ts renders it). */
export function customsDeclarationView(draft: CustomsDraft): Record<string, unknown> {
  return {
    customs_id: draft.customsId,
    mer_customs_code: draft.merCustomsCode,
    ec_plat_id: draft.ecPlatId,
    freight_amount: customsAmountView(draft.freight),
    tax_amount: customsAmountView(draft.tax),
    sub_order_amount: customsAmountView(draft.subOrderAmount),
    sub_order: {
      mer_sub_reference_id: draft.merSubReferenceId,
      items: draft.itemIds.map((mer_item_id) => ({ mer_item_id })),
    },
  };
}
