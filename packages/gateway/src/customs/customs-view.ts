/**
 * The customs declaration object as the API and notifications show it (objs.md
 * `customs_declaration`, reference 3.9-3.10):
 *
 *   { id, state, customs_id, mer_customs_code, ec_plat_id,
 *     freight_amount: { total, currency, total_cny }, tax_amount: {...}, sub_order_amount: {...},
 *     sub_order: { mer_sub_reference_id, items: [ { mer_item_id } ] },
 *     notify_url, customs_clearance_date, parent_payment, created_time,
 *     submitted_time?, completed_time?, error?, links: [ parent_payment, self ] }
 *
 * Amounts are strings with their currency's digits (`total_cny` with two). `customs_clearance_date`
 * is the China date the declaration was made (objs.md: "request customs date"). `state` is ACCEPTED,
 * SUBMITED (spelt as real clients spell it, WIRE-NOTES.md), SUCCESS or FAIL; a FAIL declaration
 * carries `error` (the customs office's reason).
 */
import { chinaTime } from '../time/china-time.ts';
import { failureOf } from '../errors/domain-error.ts';
import { failureView } from '../http/error-codes.ts';
import { link, type Link } from '../http/links.ts';
import type { CustomsRecord } from './customs-record.ts';

/** Links of a declaration: the reference's order, `parent_payment` then `self`. */
export function customsLinks(row: Pick<CustomsRecord, 'id' | 'payment_id'>, api: string): Link[] {
  return [
    link('parent_payment', 'GET', `${api}/payments/payment/${row.payment_id}`),
    link('self', 'GET', `${api}/payments/customs_declarations/${row.id}`),
  ];
}

export function renderCustomsDeclaration(row: CustomsRecord, api: string): Record<string, unknown> {
  const stored = JSON.parse(row.declaration_json) as Record<string, unknown>;
  const declaration: Record<string, unknown> = {
    id: row.id,
    state: row.state,
    customs_id: row.customs_id,
    mer_customs_code: row.mer_customs_code,
    ec_plat_id: row.ec_plat_id,
    freight_amount: stored.freight_amount,
    tax_amount: stored.tax_amount,
    sub_order_amount: stored.sub_order_amount,
    sub_order: stored.sub_order,
    notify_url: row.notify_url,
    customs_clearance_date: row.customs_clearance_date,
    parent_payment: row.payment_id,
    created_time: chinaTime(row.created_at),
  };
  if (row.submitted_at !== null) declaration.submitted_time = chinaTime(row.submitted_at);
  if (row.completed_at !== null) declaration.completed_time = chinaTime(row.completed_at);
  const failure = failureOf(row);
  if (failure) declaration.error = failureView(failure);
  declaration.links = customsLinks(row, api);
  return declaration;
}
