/**
 * Customs fixtures for the API and SDK tests: a paid payment whose first sub-order is declarable
 * (`is_customs` TRUE, items `tee` and `cap`) and whose second is not (`mug`), a declaration body like
 * the reference 3.9 sample, moving declarations through the sandbox customs office (clock + one
 * customs job pass per step), and waiting for the merchant server to receive a declaration's
 * notification.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Harness, TestMerchant } from './gateway-harness.ts';
import type { MerchantServer } from './merchant-server.ts';
import { payOnSandbox, uniqueRef } from './refunds.ts';
import {
  SANDBOX_CUSTOMS_ANSWER_DELAY_MS,
  SANDBOX_CUSTOMS_SUBMIT_DELAY_MS,
} from '../../src/channels/sandbox/sandbox-customs.ts';

export function chinaDateOf(epochMs: number): string {
  return new Date(epochMs + 8 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');
}

/**
 * A WeChat QR payment (USD 100.02): sub-order `<ref>-C` declarable (tee 30.02, cap 20.00), `<ref>-N` not
 * (mug 50.00).
 */
export function customsPaymentBody(
  h: Harness,
  notifyUrl: string,
  payer: Record<string, unknown> = { payment_method: 'WECHAT_SCAN' },
): Record<string, unknown> {
  const ref = uniqueRef('CU');
  return {
    payer,
    order: {
      mer_reference_id: ref,
      mer_date: chinaDateOf(h.clock.now()),
      amount: { total: '100.02', currency: 'USD' },
      order_summary: 'customs test order',
      sub_orders: [
        {
          mer_sub_reference_id: `${ref}-C`,
          amount: { total: '50.02', currency: 'USD' },
          trans_code: '01121990',
          is_customs: 'TRUE',
          items: [
            {
              mer_item_id: 'tee',
              type: 'CLOTHING',
              name: 'T-shirt',
              quantity: '2',
              amount: { total: '30.02', currency: 'USD' },
            },
            {
              mer_item_id: 'cap',
              type: 'CLOTHING',
              name: 'Cap',
              quantity: '1',
              amount: { total: '20.00', currency: 'USD' },
            },
          ],
        },
        {
          mer_sub_reference_id: `${ref}-N`,
          amount: { total: '50.00', currency: 'USD' },
          trans_code: '01121990',
          is_customs: 'FALSE',
          items: [
            {
              mer_item_id: 'mug',
              type: 'OTHER',
              name: 'Mug',
              quantity: '1',
              amount: { total: '50.00', currency: 'USD' },
            },
          ],
        },
      ],
    },
    notify_url: notifyUrl,
  };
}

export interface CustomsPayment {
  readonly id: string;
  readonly merReferenceId: string;
  readonly merDate: string;
  /** The payment's locked rate, CNY per USD. */
  readonly rate: string;
  /** The declarable sub-order and the other one. */
  readonly customsSub: string;
  readonly plainSub: string;
  readonly payment: Record<string, any>;
}

/** Creates the payment of customsPaymentBody and, unless `pay` is false, pays it on the sandbox. */
export async function customsPayment(
  h: Harness,
  m: TestMerchant,
  notifyUrl: string,
  options: { pay?: boolean } = {},
): Promise<CustomsPayment> {
  const body = customsPaymentBody(h, notifyUrl);
  const created = await h.call(m, 'POST', '/payments/payment', body);
  assert.equal(created.status, 201, created.text);
  const id = created.json.payment.id as string;
  if (options.pay ?? true) await payOnSandbox(h, id, 'success');
  const res = await h.call(m, 'GET', `/payments/payment/${id}`);
  assert.equal(res.status, 200, res.text);
  assert.equal(
    res.json.payment.state,
    (options.pay ?? true) ? 'TRADE_SUCCESS' : 'WAIT_BUYER_PAY',
    `the customs payment is ${(options.pay ?? true) ? 'paid' : 'unpaid'}: ${res.text}`,
  );
  const order = (body as { order: { mer_reference_id: string; mer_date: string } }).order;
  return {
    id,
    merReferenceId: order.mer_reference_id,
    merDate: order.mer_date,
    rate: res.json.payment.order.amount.exchange_rate.rate as string,
    customsSub: `${order.mer_reference_id}-C`,
    plainSub: `${order.mer_reference_id}-N`,
    payment: res.json.payment,
  };
}

/** A declaration of `subOrder` like the reference 3.9 sample, amounts as strings and numbers. */
export function declarationBody(subOrder: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customs_id: 'NB',
    mer_customs_code: '3302961234',
    ec_plat_id: '3302960001',
    freight_amount: { total: '5.00', total_cny: '35.62', currency: 'USD' },
    tax_amount: { total: 0, total_cny: 0, currency: 'CNY' },
    sub_order_amount: { total: 50.02, currency: 'USD' },
    sub_order: { mer_sub_reference_id: subOrder, items: [{ mer_item_id: 'tee' }, { mer_item_id: 'cap' }] },
    ...overrides,
  };
}

/** Lets the sandbox office's submit delay pass and runs one customs job pass (ACCEPTED -> SUBMITED). */
export async function submitDue(h: Harness): Promise<void> {
  h.clock.advance(SANDBOX_CUSTOMS_SUBMIT_DELAY_MS);
  await h.gateway.customsJobs.runOnce();
}

/** Lets the office's answer delay pass and runs one customs job pass (SUBMITED -> SUCCESS | FAIL). */
export async function answerDue(h: Harness): Promise<void> {
  h.clock.advance(SANDBOX_CUSTOMS_ANSWER_DELAY_MS);
  await h.gateway.customsJobs.runOnce();
}

/** The first verified, acknowledged `{"customs_declaration":...}` notification about `id` (in `state`). */
export async function customsNotification(shop: MerchantServer, id: string, state?: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const delivery = shop.deliveries.find(
      (d) =>
        d.acknowledged &&
        d.event?.type === 'customs_declaration' &&
        d.event.customs_declaration.id === id &&
        (state === undefined || d.event.customs_declaration.state === state),
    );
    if (delivery && delivery.event?.type === 'customs_declaration')
      return { delivery, declaration: delivery.event.customs_declaration };
    if (Date.now() > deadline)
      throw new Error(
        `no customs notification for ${id} (${state ?? 'any state'}): ` +
          JSON.stringify(shop.deliveries.map((d) => d.rawBody.slice(0, 160))),
      );
    await sleep(25);
  }
}
