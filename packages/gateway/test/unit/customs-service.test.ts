/**
 * CustomsService with a fake customs office: a paid order's customs sub-order is declared
 * (ACCEPTED), handed to the office (SUBMITED) and answered (SUCCESS or FAIL) by the background step,
 * within a month of the order, at most one live declaration per sub-order.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { DAY, MINUTE, openWorld, refused, type World } from './service-world.ts';
import { customsSays } from '../helpers/fake-channels.ts';
import { lastCustomsDate } from '../../src/customs/customs-service.ts';
import type { CustomsRecord } from '../../src/customs/customs-record.ts';
import type { Merchant } from '../../src/merchants/merchant.ts';
import type { PaymentRecord } from '../../src/payments/payment-record.ts';

/** A paid 100.02 USD order: SUB-1 (tee 50.02, cap 10.00) and SUB-3 go to customs, SUB-2 does not. */
function paidOrder(w: World, shop: Merchant): Promise<PaymentRecord> {
  return w.payByWallet(shop, {
    total: '100.02',
    subOrders: [
      {
        id: 'SUB-1',
        total: '60.02',
        customs: true,
        items: [
          { id: 'tee', total: '50.02' },
          { id: 'cap', total: '10.00' },
        ],
      },
      { id: 'SUB-2', total: '20.00' },
      { id: 'SUB-3', total: '20.00', customs: true, items: [{ id: 'mug', total: '20.00' }] },
    ],
  });
}

function declaration(subOrder = 'SUB-1', items = ['tee'], overrides: Record<string, unknown> = {}) {
  return {
    customs_id: 'NB',
    mer_customs_code: 'MC2342362435435',
    ec_plat_id: 'EC2342362435435',
    freight_amount: { total: '10.00', currency: 'USD' },
    tax_amount: { total: '0', currency: 'USD' },
    sub_order_amount: { total: '50.02', currency: 'USD' },
    notify_url: 'https://shop.test/umf/customs',
    sub_order: { mer_sub_reference_id: subOrder, items: items.map((mer_item_id) => ({ mer_item_id })) },
    ...overrides,
  };
}

/** The declaration as it is stored now. */
function current(w: World, shop: Merchant, declarationId: string): Promise<CustomsRecord> {
  return w.services.customs.get(shop, declarationId);
}

async function notifications(w: World, declarationId: string) {
  return w.repositories.outbox.forObject(declarationId);
}

test('a declaration goes ACCEPTED -> SUBMITED -> SUCCESS as the office answers', async (t) => {
  const w = await openWorld(t, { rates: { USD: '6.9193' } });
  const shop = await w.merchant();
  const paid = await paidOrder(w, shop);

  const accepted = await w.services.customs.declare(shop, paid.id, declaration());
  assert.equal(accepted.state, 'ACCEPTED');
  assert.equal(accepted.customs_clearance_date, '20260310');
  assert.equal(accepted.resolve_at, w.clock.now(), 'handed over at the next pass');
  assert.equal(w.fakes.customs.submissions.length, 0, 'declare itself does not call the office');

  assert.equal(await w.services.customs.resolveDueBatch(), 1);
  assert.deepEqual(w.fakes.customs.submissions, [
    {
      declarationId: accepted.id,
      paymentId: paid.id,
      customsId: 'NB',
      merCustomsCode: 'MC2342362435435',
      ecPlatId: 'EC2342362435435',
      merSubReferenceId: 'SUB-1',
      itemIds: ['tee'],
      subOrderFen: 34610n, // 50.02 x 6.9193 = 346.103386
      freightFen: 6919n, // 10.00 x 6.9193 = 69.193
      taxFen: 0n,
      acceptedAt: accepted.created_at,
      now: w.clock.now(),
    },
  ]);
  const submitted = await current(w, shop, accepted.id);
  assert.equal(submitted.state, 'SUBMITED');
  assert.equal(submitted.submitted_at, w.clock.now());
  assert.equal(submitted.resolve_at, w.clock.now() + 10 * MINUTE, "asked for the office's answer when it is due");
  assert.equal((await notifications(w, accepted.id)).length, 0, 'only final states are notified');

  assert.equal(await w.services.customs.resolveDueBatch(), 0);
  assert.equal(w.fakes.customs.inquiries.length, 0, 'the office is not asked before its answer is due');
  w.clock.advance(10 * MINUTE);
  assert.equal(await w.services.customs.resolveDueBatch(), 0, 'the office has not decided yet');
  assert.equal(w.fakes.customs.inquiries.length, 1);
  assert.equal(w.fakes.customs.inquiries[0]!.submittedAt, submitted.submitted_at);
  assert.equal((await current(w, shop, accepted.id)).state, 'SUBMITED');

  w.fakes.customs.answer(accepted.id, customsSays.success());
  w.clock.advance(10 * MINUTE);
  assert.equal(await w.services.customs.resolveDueBatch(), 1);
  const done = await current(w, shop, accepted.id);
  assert.equal(done.state, 'SUCCESS');
  assert.equal(done.completed_at, w.clock.now());
  assert.equal(done.resolve_at, null);
  const rows = await notifications(w, accepted.id);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.url, 'https://shop.test/umf/customs');
  assert.deepEqual(JSON.parse(rows[0]!.body), { customs_declaration: w.context.views.customs(done) });
  assert.equal(await w.services.customs.resolveDueBatch(), 0, 'nothing left to do');
  assert.equal(await w.services.customs.advance(done), false);
});

test("a rejected declaration is FAIL with the office's words; the sub-order can be declared again", async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const paid = await paidOrder(w, shop);
  const first = await w.services.customs.declare(shop, paid.id, declaration());
  w.fakes.customs.answer(first.id, customsSays.rejected('cargo does not match the manifest'));

  await w.services.customs.advance(await current(w, shop, first.id));
  w.clock.advance(10 * MINUTE);
  assert.equal(await w.services.customs.advance(await current(w, shop, first.id)), true);
  const failed = await current(w, shop, first.id);
  assert.equal(failed.state, 'FAIL');
  assert.equal(failed.failure_reason, 'customs_rejected');
  assert.equal(failed.failure_detail, 'cargo does not match the manifest');
  const rows = await notifications(w, first.id);
  assert.equal(rows.length, 1);
  const body = JSON.parse(rows[0]!.body) as { customs_declaration: { state: string; error?: unknown } };
  assert.equal(body.customs_declaration.state, 'FAIL');
  assert.ok(body.customs_declaration.error, 'the notification carries the error');

  const second = await w.services.customs.declare(shop, paid.id, declaration('SUB-1', ['tee', 'cap']));
  assert.equal(second.state, 'ACCEPTED');
  assert.notEqual(second.id, first.id);
});

test('the office not taking a declaration yet leaves it ACCEPTED until the next try', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const paid = await paidOrder(w, shop);
  const accepted = await w.services.customs.declare(shop, paid.id, declaration());
  w.fakes.customs.nextSubmit(customsSays.notYet(5 * MINUTE));

  assert.equal(await w.services.customs.resolveDueBatch(), 0);
  const waiting = await current(w, shop, accepted.id);
  assert.equal(waiting.state, 'ACCEPTED');
  assert.equal(waiting.resolve_at, w.clock.now() + 5 * MINUTE);
  w.clock.advance(5 * MINUTE);
  assert.equal(await w.services.customs.resolveDueBatch(), 1);
  assert.equal((await current(w, shop, accepted.id)).state, 'SUBMITED');
  assert.equal(w.fakes.customs.submissions.length, 2);
});

test('declarations are taken until one calendar month after the order date', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const paid = await paidOrder(w, shop);
  const spare = await paidOrder(w, shop);
  assert.equal(paid.mer_date, '20260310');
  assert.equal(lastCustomsDate('20260310'), '20260410');
  assert.equal(lastCustomsDate('20260131'), '20260228', 'the 31st of a shorter month is its last day');
  assert.equal(lastCustomsDate('20261215'), '20270115');

  w.clock.advance(31 * DAY); // 2026-04-10 10:00 China time: the last day
  assert.equal((await w.services.customs.declare(shop, paid.id, declaration())).state, 'ACCEPTED');
  w.clock.advance(14 * 60 * MINUTE - 1); // 23:59:59.999 of that day
  assert.equal((await w.services.customs.declare(shop, paid.id, declaration('SUB-3', ['mug']))).state, 'ACCEPTED');

  w.clock.advance(1); // 2026-04-11 00:00 China time
  const error = await refused(w.services.customs.declare(shop, spare.id, declaration()), 'customs_window_passed');
  assert.match(error.detail ?? '', /until 20260410, today is 20260411/);
});

test('one live declaration per sub-order, even asked twice at once', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const paid = await paidOrder(w, shop);

  const first = await w.services.customs.declare(shop, paid.id, declaration());
  const error = await refused(w.services.customs.declare(shop, paid.id, declaration()), 'customs_already_declared');
  assert.match(error.detail ?? '', new RegExp(first.id));
  // Other items of the same sub-order are the same sub-order.
  await refused(w.services.customs.declare(shop, paid.id, declaration('SUB-1', ['cap'])), 'customs_already_declared');
  // Another sub-order is not.
  await w.services.customs.declare(shop, paid.id, declaration('SUB-3', ['mug']));

  const other = await paidOrder(w, shop);
  const results = await Promise.allSettled([
    w.services.customs.declare(shop, other.id, declaration()),
    w.services.customs.declare(shop, other.id, declaration()),
  ]);
  assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  const loser = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
  assert.equal((loser.reason as { reason?: string }).reason, 'customs_already_declared');
  const rows = await w.context.db
    .selectFrom('customs_declarations')
    .select('id')
    .where('payment_id', '=', other.id)
    .execute();
  assert.equal(rows.length, 1);
});

test('what cannot be declared', async (t) => {
  const w = await openWorld(t);
  const shop = await w.merchant();
  const unpaid = await w.createPayment(shop, {
    method: 'WECHAT_SCAN',
    subOrders: [{ id: 'SUB-1', total: '100.02', customs: true, items: [{ id: 'tee', total: '100.02' }] }],
  });
  await refused(w.services.customs.declare(shop, unpaid.id, declaration()), 'payment_not_paid');

  const paid = await paidOrder(w, shop);
  const declare = (body: Record<string, unknown>) => w.services.customs.declare(shop, paid.id, body);
  await refused(declare(declaration('SUB-2', ['tee'])), 'customs_not_required');
  await refused(declare(declaration('SUB-9', ['tee'])), 'customs_sub_order_absent');
  await refused(declare(declaration('SUB-1', ['sock'])), 'customs_items_absent');
  await refused(declare(declaration('SUB-1', ['tee'], { customs_id: 'XX' })), 'customs_office_unknown');
  const other = await w.merchant({ name: 'Other Shop' });
  await refused(w.services.customs.declare(other, paid.id, declaration()), 'payment_not_found');
  await refused(w.services.customs.get(other, 'CUST_NOSUCHDECLARATION'), 'customs_declaration_not_found');
  assert.equal(w.fakes.customs.submissions.length, 0);
});
