/**
 * Refund fixtures for the API and property tests: paid payments (wallet, paid on the sandbox pay
 * endpoint; or card, through verify/execute), refund bodies in the three wire shapes, and running the
 * refund job after the sandbox channel's delay.
 */
import assert from 'node:assert/strict';
import type { ApiResponse, Harness, TestMerchant } from './gateway-harness.ts';
import { SANDBOX_REFUND_DELAY_MS } from '../../src/channels/sandbox/sandbox-refunds.ts';

let seq = 0;
/** A unique merchant reference (order or refund number). */
export function uniqueRef(label: string): string {
  return `${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/** YYYYMMDD in China time, `days` from today (of the real clock). */
export function chinaDay(days: number): string {
  return new Date(Date.now() + days * 86_400_000 + 8 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');
}

export function today(): string {
  return chinaDay(0);
}

export interface SubOrderSpec {
  readonly id: string;
  readonly total: string;
  readonly items?: ReadonlyArray<{ id: string; total: string; quantity?: string }>;
}

/** A create-payment body: one sub-order of the whole amount unless sub-orders are given. */
export function paymentBody(
  method: string,
  total: string,
  currency: string,
  subOrders?: readonly SubOrderSpec[],
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const ref = uniqueRef('RP');
  const subs = subOrders ?? [{ id: `${ref}-1`, total }];
  return {
    payer: { payment_method: method, payer_info: { phone: '13800138000' } },
    order: {
      mer_reference_id: ref,
      mer_date: today(),
      amount: { total, currency },
      order_summary: 'refund test order',
      sub_orders: subs.map((s) => ({
        mer_sub_reference_id: s.id,
        amount: { total: s.total, currency },
        trans_code: '01121990',
        ...(s.items
          ? {
              items: s.items.map((it) => ({
                mer_item_id: it.id,
                type: 'CLOTHING',
                name: it.id,
                quantity: it.quantity ?? '1',
                amount: { total: it.total, currency },
              })),
            }
          : {}),
      })),
    },
    notify_url: 'http://127.0.0.1:9/payment-notify',
    ...overrides,
  };
}

/** Creates a wallet (WeChat QR) payment and pays it on the sandbox: a TRADE_SUCCESS payment. */
export async function paidWalletPayment(
  h: Harness,
  m: TestMerchant,
  total = '100.02',
  currency = 'USD',
  subOrders?: readonly SubOrderSpec[],
): Promise<Record<string, any>> {
  const created = await h.call(m, 'POST', '/payments/payment', paymentBody('WECHAT_SCAN', total, currency, subOrders));
  assert.equal(created.status, 201, created.text);
  const id = created.json.payment.id as string;
  await payOnSandbox(h, id, 'success');
  const res = await h.call(m, 'GET', `/payments/payment/${id}`);
  assert.equal(res.json.payment.state, 'TRADE_SUCCESS', res.text);
  return res.json.payment;
}

/**
 * Creates a WeChat QR payment notifying `notifyUrl` and pays it on the sandbox: its TRADE_SUCCESS
 * notification follows. `beforePay` runs between the two (to start watching, say). Returns its id.
 */
export async function paidWalletPaymentNotifying(
  h: Harness,
  m: TestMerchant,
  notifyUrl: string,
  options: { readonly total?: string; readonly beforePay?: (paymentId: string) => void } = {},
): Promise<string> {
  const body = paymentBody('WECHAT_SCAN', options.total ?? '100.02', 'USD', undefined, { notify_url: notifyUrl });
  const created = await h.call(m, 'POST', '/payments/payment', body);
  assert.equal(created.status, 201, created.text);
  const id = created.json.payment.id as string;
  options.beforePay?.(id);
  await payOnSandbox(h, id, 'success');
  return id;
}

export async function payOnSandbox(h: Harness, paymentId: string, outcome: 'success' | 'fail'): Promise<void> {
  const res = await fetch(`${h.baseUrl}/sandbox/payments/${paymentId}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ outcome }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `sandbox pay: ${text}`);
}

export type RefundShape = 'order' | 'orders' | 'refund_info';

export interface RefundSpec {
  readonly ref?: string;
  readonly date?: string;
  readonly total: string;
  readonly currency?: string;
  readonly subOrders?: ReadonlyArray<{
    id?: string;
    total: string;
    currency?: string;
    items?: ReadonlyArray<{ id?: string; total: string; currency?: string }>;
  }>;
  readonly notifyUrl?: string | null;
  readonly parentPayment?: string;
  readonly orgAmount?: { total: string; currency: string };
  readonly summary?: string;
}

/** A refund request in one of the three shapes real clients send (WIRE-NOTES.md). */
export function refundBody(shape: RefundShape, spec: RefundSpec): Record<string, unknown> {
  const currency = spec.currency ?? 'USD';
  const order: Record<string, unknown> = {
    mer_reference_id: spec.ref ?? uniqueRef('RF'),
    mer_date: spec.date ?? today(),
    amount: { total: spec.total, currency },
  };
  if (spec.subOrders) {
    order.sub_orders = spec.subOrders.map((s) => ({
      ...(s.id ? { mer_sub_reference_id: s.id } : {}),
      amount: { total: s.total, currency: s.currency ?? currency },
      ...(s.items
        ? {
            items: s.items.map((it) => ({
              ...(it.id ? { mer_item_id: it.id } : {}),
              type: 'CLOTHING',
              name: 'returned',
              item_quantity: '1',
              amount: { total: it.total, currency: it.currency ?? currency },
            })),
          }
        : {}),
    }));
  }
  const notify = spec.notifyUrl === null ? {} : { notify_url: spec.notifyUrl ?? 'http://127.0.0.1:9/refund-notify' };
  const parent = spec.parentPayment ? { parent_payment: spec.parentPayment } : {};
  switch (shape) {
    case 'orders':
      return { org_amount: spec.orgAmount ?? { total: spec.total, currency }, orders: [order], ...notify };
    case 'order':
      return { order, ...notify, ...parent };
    case 'refund_info':
      return {
        refund_info: { ...order, refund_summary: spec.summary ?? 'customer returned the goods' },
        ...notify,
        ...parent,
      };
  }
}

export function refund(
  h: Harness,
  m: TestMerchant,
  paymentId: string,
  body: unknown,
  headers?: Record<string, string>,
): Promise<ApiResponse> {
  return h.call(m, 'POST', `/payments/payment/${paymentId}/refund`, body, headers);
}

/** Lets the sandbox channel's delay pass and runs the refund job once. */
export async function settleRefunds(h: Harness): Promise<number> {
  h.clock.advance(SANDBOX_REFUND_DELAY_MS);
  return h.gateway.refundJobs.runOnce();
}

/** A credit-card payment paid through create -> verify -> SMS code -> execute (sandbox test card). */
export async function paidCardPayment(
  h: Harness,
  m: TestMerchant,
  total = '100.02',
  currency = 'USD',
  cardNumber = '6225760000040001',
): Promise<Record<string, any>> {
  const phone = '13800138000';
  const created = await h.call(
    m,
    'POST',
    '/payments/payment',
    paymentBody('CREDIT_CARD', total, currency, undefined, {
      payer: { payment_method: 'CREDIT_CARD', bank_code: 'CCB', payer_info: { phone } },
    }),
  );
  assert.equal(created.status, 201, created.text);
  const id = created.json.payment.id as string;
  const bankCard = {
    number: h.encrypt(m, cardNumber),
    payer_name: h.encrypt(m, 'Zhang San'),
    citizen_id_type: 'IDENTITY_CARD',
    citizen_id_number: h.encrypt(m, '11010519491231002X'),
    valid_date: h.encrypt(m, '3012'),
    cvv2: h.encrypt(m, '123'),
  };
  const verified = await h.call(m, 'POST', `/payments/payment/${id}/verify`, {
    payer: { payer_info: { phone, bank_card: bankCard } },
  });
  assert.equal(verified.status, 200, verified.text);
  const inbox = (await (await fetch(`${h.baseUrl}/sandbox/sms?phone=${phone}`)).json()) as {
    messages: Array<{ code: string; payment_id: string }>;
  };
  const code = inbox.messages.find((msg) => msg.payment_id === id)?.code;
  assert.ok(code, `an SMS code was sent for ${id}`);
  const executed = await h.call(m, 'POST', `/payments/payment/${id}/execute`, {
    payer: { payer_info: { verify_code: code } },
  });
  assert.equal(executed.json?.payment?.state, 'TRADE_SUCCESS', executed.text);
  return executed.json.payment;
}
