/**
 * The company object as the API shows it (reference 4.1-4.2, objs.md `enterprise_qualification`):
 *
 *   { id, external_enterprise_id, enterprise_name, enterprise_phone?, enterprise_email?,
 *     enterprise_contacts?, busi_type?, enterprise_code?, enterprise_status, rank?, review_reason?,
 *     created_time, reviewed_time? }
 *
 * answered as `{"enterprise_qualification":{...},"links":[self]}` by the POST (the 4.1 sample) and the
 * GET alike. The members the merchant sent come back as they were stored (absent when not sent);
 * the contact is always `enterprise_contacts`, the reference's spelling, whichever spelling arrived.
 * `rank` is there once the company is ENABLE; `review_reason` while a rejected company waits
 * (DISABLE), so a merchant polling GET learns why; `reviewed_time` once reviewed.
 */
import { chinaTime } from '../time/china-time.ts';
import { link, type Link } from '../http/links.ts';
import type { EnterpriseRecord } from './enterprise-record.ts';

/** The path of a company under the API base. */
export function enterprisePath(id: string): string {
  return `/enterprise_qualification/${id}`;
}

/** Links of a company: `self` (the reference has no other). */
export function enterpriseLinks(row: Pick<EnterpriseRecord, 'id'>, api: string): Link[] {
  return [link('self', 'GET', `${api}${enterprisePath(row.id)}`)];
}

export function renderEnterprise(row: EnterpriseRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: row.id,
    external_enterprise_id: row.external_enterprise_id,
    enterprise_name: row.enterprise_name,
  };
  if (row.enterprise_phone !== null) view.enterprise_phone = row.enterprise_phone;
  if (row.enterprise_email !== null) view.enterprise_email = row.enterprise_email;
  if (row.enterprise_contacts !== null) view.enterprise_contacts = row.enterprise_contacts;
  if (row.busi_type !== null) view.busi_type = row.busi_type;
  if (row.enterprise_code !== null) view.enterprise_code = row.enterprise_code;
  view.enterprise_status = row.status;
  if (row.rank !== null) view.rank = row.rank;
  if (row.status === 'DISABLE' && row.review_reason !== null) view.review_reason = row.review_reason;
  view.created_time = chinaTime(row.created_at);
  if (row.reviewed_at !== null) view.reviewed_time = chinaTime(row.reviewed_at);
  return view;
}

/** The answer of POST and GET: the company and its links. */
export function enterpriseAnswer(row: EnterpriseRecord, api: string): Record<string, unknown> {
  return { enterprise_qualification: renderEnterprise(row), links: enterpriseLinks(row, api) };
}
