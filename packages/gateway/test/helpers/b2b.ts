/**
 * B2B test tools: companies registered the way the enterprise service does (EnterpriseRepository
 * insert, then the operator's review), and the reference 4.3 sample order.
 */
import { randomId } from '../../src/store/ids.ts';
import type { EnterpriseRecord } from '../../src/enterprises/enterprise-record.ts';
import type { Harness, TestMerchant } from './gateway-harness.ts';

let seq = 0;

/** A company of `merchant`: ENABLE (rank A) unless `enabled` is false (then it stays DISABLE). */
export async function registerCompany(
  h: Harness,
  merchant: TestMerchant,
  options: { enabled?: boolean; externalId?: string; name?: string } = {},
): Promise<EnterpriseRecord> {
  const { store, repositories, clock } = h.gateway.context;
  const now = clock.now();
  const externalId = options.externalId ?? `C${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase();
  const created = await store.write((trx) =>
    repositories.enterprises.insert(trx, {
      id: randomId('EQ_'),
      merchant_id: merchant.id,
      external_enterprise_id: externalId,
      enterprise_name: options.name ?? '华西电子商务有限公司',
      enterprise_phone: '13241350000',
      enterprise_email: 'finance@huaxi.example',
      enterprise_contacts: 'Feng Jian',
      busi_type: 'GFHG',
      enterprise_code: '91110000MA00000000',
      status: 'DISABLE',
      rank: null,
      created_at: now,
      updated_at: now,
    }),
  );
  if (options.enabled === false) return created;
  const reviewed = await store.write((trx) =>
    repositories.enterprises.review(trx, created.id, { decision: 'approve', rank: 'A' }, now),
  );
  return reviewed!;
}

/** Today's date as a merchant in China writes it (YYYYMMDD). */
export function chinaToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');
}

/**
 * The reference 4.3 B2B sample: B2B_ONLINE_BANKING at CCB, CHECKOUT_COUNTER_WEB, the company in
 * bank_card.external_customer_id with every card field empty, two CNY sub-orders.
 */
export function b2bSampleOrder(
  merReferenceId: string,
  externalCustomerId: string,
  overrides: { payer?: Record<string, unknown>; currency?: string; total?: string; notifyUrl?: string } = {},
): Record<string, unknown> {
  const currency = overrides.currency ?? 'CNY';
  const total = overrides.total ?? '200.04';
  const [whole, fraction = '00'] = total.split('.');
  const cents = BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
  const first = cents / 2n;
  const second = cents - first;
  const fmt = (c: bigint) => `${c / 100n}.${(c % 100n).toString().padStart(2, '0')}`;
  return {
    payer: overrides.payer ?? {
      payment_method: 'B2B_ONLINE_BANKING',
      bank_code: 'CCB',
      payer_info: {
        bank_card: {
          number: '',
          citizen_id_number: '',
          citizen_id_type: '',
          payer_name: '',
          valid_date: '',
          cvv2: '',
          phone: '18234048022',
          external_customer_id: externalCustomerId,
        },
      },
      interface_type: 'CHECKOUT_COUNTER_WEB',
    },
    order: {
      mer_reference_id: merReferenceId,
      mer_date: chinaToday(),
      amount: { total, currency },
      order_summary: 'maimaimai',
      expire_time: '360',
      sub_orders: [
        {
          mer_sub_reference_id: `${merReferenceId}1`,
          trans_code: '03223010',
          sub_trans_type: '3',
          amount: { total: fmt(first), currency },
          invoice_id: '123456',
        },
        {
          mer_sub_reference_id: `${merReferenceId}2`,
          trans_code: '01121990',
          sub_trans_type: '1',
          amount: { total: fmt(second), currency },
          is_customs: 'TRUE',
          invoice_id: '123456',
        },
      ],
    },
    notify_url: overrides.notifyUrl ?? 'http://127.0.0.1:9/notify',
    ret_url: 'http://127.0.0.1:9/return',
  };
}
