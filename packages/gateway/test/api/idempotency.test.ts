/**
 * `Idempotency-Key` on POSTs: a replay returns the stored response byte for byte and does nothing
 * again; the same key with another request is a 409; concurrent requests with one key never both
 * run; keys belong to one merchant.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import {
  startHarness,
  sampleOrder,
  type ApiResponse,
  type Harness,
  type TestMerchant,
} from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';

const PHONE = '13800138000';

let seq = 0;
const ref = (label: string) =>
  `IDEM${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase().replace(/[^A-Z0-9]/g, '');

for (const kind of testDatabaseUrls()) {
  describe(`idempotency (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;
    let otherShop: TestMerchant;

    const create = (m: TestMerchant, body: unknown, key?: string) =>
      h.call(m, 'POST', '/payments/payment', body, key === undefined ? {} : { 'idempotency-key': key });

    async function paymentsWithReference(m: TestMerchant, merReferenceId: string): Promise<string[]> {
      const rows = await h.gateway.context.db
        .selectFrom('payments')
        .select('id')
        .where('merchant_id', '=', m.id)
        .where('mer_reference_id', '=', merReferenceId)
        .execute();
      return rows.map((r) => r.id);
    }

    function fresh(res: ApiResponse, status: number): void {
      assert.equal(res.status, status, res.text);
      assert.equal(res.json.meta.ret_code, '0000', res.text);
      assert.ok(h.verifies(res.text), `the answer is signed: ${res.text.slice(0, 200)}`);
      assert.equal(res.headers.get('idempotent-replayed'), null, 'a first answer is not marked replayed');
    }

    function replayOf(res: ApiResponse, original: ApiResponse): void {
      assert.equal(res.status, original.status, res.text);
      assert.equal(res.text, original.text, 'the stored response, byte for byte');
      assert.equal(res.headers.get('idempotent-replayed'), 'true');
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      assert.ok(h.verifies(res.text), `the answer is signed: ${res.text.slice(0, 200)}`);
    }

    function conflict(res: ApiResponse, code: string): void {
      assert.equal(res.status, 409, res.text);
      assert.equal(res.json.meta.ret_code, code, res.text);
      assert.ok(h.verifies(res.text), `the answer is signed: ${res.text.slice(0, 200)}`);
    }

    before(async () => {
      h = await startHarness(kind);
      shop = await h.merchant({ name: 'Idempotent Shop' });
      otherShop = await h.merchant({ name: 'Other Idempotent Shop' });
    });
    after(async () => {
      await h?.close();
    });

    test('same key and same body -> the stored response byte for byte, one payment', async () => {
      const id = ref('SAME');
      const key = randomUUID();
      const body = JSON.stringify(sampleOrder(id));
      const first = await create(shop, body, key);
      fresh(first, 201);
      const paymentId = first.json.payment.id as string;
      const second = await create(shop, body, key);
      replayOf(second, first);
      assert.equal(second.json.payment.id, paymentId);
      const third = await create(shop, body, key);
      replayOf(third, first);
      assert.deepEqual(await paymentsWithReference(shop, id), [paymentId]);
      // Without the key the same body is a duplicate order.
      const again = await create(shop, body);
      conflict(again, '00060741');
    });

    test('same key and a different body (or path) -> 409 00060742', async () => {
      const key = randomUUID();
      const id = ref('DIFF');
      const first = await create(shop, sampleOrder(id), key);
      fresh(first, 201);
      const other = ref('DIFF2');
      conflict(await create(shop, sampleOrder(other), key), '00060742');
      // The same JSON with other bytes (key order) is a different request too.
      const order = sampleOrder(id);
      const reordered = JSON.stringify({ notify_url: order.notify_url, order: order.order, payer: order.payer });
      conflict(await create(shop, reordered, key), '00060742');
      const elsewhere = await h.call(
        shop,
        'POST',
        `/payments/payment/${first.json.payment.id}/verify`,
        sampleOrder(id),
        { 'idempotency-key': key },
      );
      conflict(elsewhere, '00060742');
      assert.deepEqual(await paymentsWithReference(shop, other), []);
      assert.equal((await paymentsWithReference(shop, id)).length, 1);
      // The original is still replayed.
      replayOf(await create(shop, sampleOrder(id), key), first);
    });

    test(
      'two (and more) concurrent requests with one key: ' +
        'one runs, the others replay or get 409 00060743; one payment',
      async () => {
        for (const n of [2, 6]) {
          const id = ref(`CONC${n}`);
          const key = randomUUID();
          const body = JSON.stringify(sampleOrder(id));
          const results = await Promise.all(Array.from({ length: n }, () => create(shop, body, key)));
          const created = results.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') === null);
          assert.equal(created.length, 1, results.map((r) => `${r.status} ${r.text.slice(0, 80)}`).join('\n'));
          const original = created[0]!;
          for (const r of results) {
            assert.ok(h.verifies(r.text), `the answer is signed: ${r.text.slice(0, 200)}`);
            if (r === original) continue;
            if (r.status === 409) assert.equal(r.json.meta.ret_code, '00060743', r.text);
            else replayOf(r, original);
          }
          const ids = await paymentsWithReference(shop, id);
          assert.deepEqual(ids, [original.json.payment.id]);
          // Once the first finished, the key replays.
          replayOf(await create(shop, body, key), original);
        }
      },
    );

    test('keys are per merchant: two merchants may use the same key', async () => {
      const key = `order-${randomUUID()}`;
      const idA = ref('MA');
      const idB = ref('MB');
      const a = await create(shop, sampleOrder(idA), key);
      fresh(a, 201);
      const b = await create(otherShop, sampleOrder(idB), key);
      fresh(b, 201);
      assert.notEqual(a.json.payment.id, b.json.payment.id);
      // Even the very same body under the same key is a separate request for another merchant.
      const idC = ref('MC');
      const c1 = await create(shop, sampleOrder(idC), `shared-${key}`);
      const c2 = await create(otherShop, sampleOrder(idC), `shared-${key}`);
      fresh(c1, 201);
      fresh(c2, 201);
      assert.notEqual(c1.json.payment.id, c2.json.payment.id);
      replayOf(await create(shop, sampleOrder(idA), key), a);
      replayOf(await create(otherShop, sampleOrder(idB), key), b);
      assert.equal((await paymentsWithReference(shop, idA)).length, 1);
      assert.equal((await paymentsWithReference(otherShop, idB)).length, 1);
      // A merchant's key does not replay another merchant's response.
      const cross = await create(otherShop, sampleOrder(idA), key);
      conflict(cross, '00060742');
    });

    test('a 4xx answer is stored and replayed too', async () => {
      const key = randomUUID();
      const bad = sampleOrder(ref('BAD'), { notify_url: 'not a url' });
      const first = await create(shop, bad, key);
      assert.equal(first.status, 400, first.text);
      assert.equal(first.json.meta.ret_code, '00060700');
      replayOf(await create(shop, bad, key), first);
    });

    test('a request refused before it runs (bad signature) does not take the key', async () => {
      const key = randomUUID();
      const id = ref('SIG');
      const body = JSON.stringify(sampleOrder(id));
      const unsigned = await h.call(shop, 'POST', '/payments/payment', body, {
        'idempotency-key': key,
        signature: 'AAAA',
      });
      assert.equal(unsigned.status, 401, unsigned.text);
      assert.equal(unsigned.json.meta.ret_code, '00060710');
      const signed = await create(shop, body, key);
      fresh(signed, 201);
      assert.equal(signed.json.payment.order.mer_reference_id, id, 'the key ran the signed request');
      assert.deepEqual(
        await paymentsWithReference(shop, id),
        [signed.json.payment.id],
        'one payment: the refused request created none',
      );
    });

    test('execute with a key: a replay returns the same result and debits once', async () => {
      const id = ref('EXEC');
      const created = await create(
        shop,
        sampleOrder(id, { payer: { payment_method: 'DEBIT_CARD', bank_code: 'CCB', payer_info: { phone: PHONE } } }),
        randomUUID(),
      );
      fresh(created, 201);
      const paymentId = created.json.payment.id as string;
      const card = {
        payer: {
          payer_info: {
            phone: PHONE,
            bank_card: {
              number: h.encrypt(shop, '6217000010000020001'),
              payer_name: h.encrypt(shop, 'Wang Wu'),
              citizen_id_type: 'IDENTITY_CARD',
              citizen_id_number: h.encrypt(shop, '11010519491231002X'),
            },
          },
        },
      };
      const verifyKey = randomUUID();
      const verified = await h.call(shop, 'POST', `/payments/payment/${paymentId}/verify`, card, {
        'idempotency-key': verifyKey,
      });
      fresh(verified, 200);
      // A retried verify does not send a second SMS (which would hit the 60 s limit).
      replayOf(
        await h.call(shop, 'POST', `/payments/payment/${paymentId}/verify`, card, { 'idempotency-key': verifyKey }),
        verified,
      );
      const inbox = (await (await fetch(`${h.baseUrl}/sandbox/sms?phone=${PHONE}`)).json()) as {
        messages: Array<{ payment_id: string; code: string }>;
      };
      const codes = inbox.messages.filter((m) => m.payment_id === paymentId);
      assert.equal(codes.length, 1);
      const executeKey = randomUUID();
      const body = { payer: { payer_info: { verify_code: codes[0]!.code } } };
      const executed = await h.call(shop, 'POST', `/payments/payment/${paymentId}/execute`, body, {
        'idempotency-key': executeKey,
      });
      fresh(executed, 200);
      assert.equal(executed.json.payment.state, 'TRADE_SUCCESS');
      const replay = await h.call(shop, 'POST', `/payments/payment/${paymentId}/execute`, body, {
        'idempotency-key': executeKey,
      });
      replayOf(replay, executed);
      const ledger = await h.gateway.context.db
        .selectFrom('sandbox_bank_ledger')
        .select('id')
        .where('payment_id', '=', paymentId)
        .execute();
      assert.equal(ledger.length, 1);
      // Without the key, executing again is refused.
      const again = await h.call(shop, 'POST', `/payments/payment/${paymentId}/execute`, body);
      assert.equal(again.json.meta.ret_code, '00060750', again.text);
    });

    test(
      'a crash after the work committed but before the answer was stored: the same request, taken over, ' +
        'gets the work it did',
      async () => {
        // What a kill -9 between the commit and the stored answer leaves: the key "in flight", old.
        const crashAfterCommit = async (key: string) => {
          await h.gateway.context.db
            .updateTable('idempotency_keys')
            .set({ state: 'in_flight', http_status: null, response_body: null, created_at: h.clock.now() - 3 * 60_000 })
            .where('merchant_id', '=', shop.id)
            .where('idem_key', '=', key)
            .execute();
        };
        const id = ref('CRASH');
        const order = sampleOrder(id, {
          payer: { payment_method: 'DEBIT_CARD', bank_code: 'CCB', payer_info: { phone: PHONE } },
        });
        const createKey = randomUUID();
        const created = await create(shop, order, createKey);
        fresh(created, 201);
        const paymentId = created.json.payment.id as string;
        await crashAfterCommit(createKey);
        const resumedCreate = await create(shop, order, createKey);
        fresh(resumedCreate, 201);
        assert.equal(resumedCreate.json.payment.id, paymentId, 'the payment the first attempt created, not 00060741');
        assert.deepEqual(await paymentsWithReference(shop, id), [paymentId]);
        // A different body under the same crashed key is still a duplicate order.
        await crashAfterCommit(createKey);
        const other = await create(
          shop,
          { ...order, order: { ...(order.order as object), order_summary: 'another request' } },
          createKey,
        );
        assert.equal(other.json.meta.ret_code, '00060741', other.text);

        const card = {
          payer: {
            payer_info: {
              phone: PHONE,
              bank_card: {
                number: h.encrypt(shop, '6217000010000020001'),
                payer_name: h.encrypt(shop, 'Wang Wu'),
                citizen_id_type: 'IDENTITY_CARD',
                citizen_id_number: h.encrypt(shop, '11010519491231002X'),
              },
            },
          },
        };
        const verifyKey = randomUUID();
        fresh(
          await h.call(shop, 'POST', `/payments/payment/${paymentId}/verify`, card, { 'idempotency-key': verifyKey }),
          200,
        );
        await crashAfterCommit(verifyKey);
        const resumedVerify = await h.call(shop, 'POST', `/payments/payment/${paymentId}/verify`, card, {
          'idempotency-key': verifyKey,
        });
        fresh(resumedVerify, 200);
        assert.deepEqual(
          resumedVerify.json.payment.links.map((l: { ref: string }) => l.ref),
          ['self', 'confirm'],
          'answered as the first verify was: the code was sent',
        );
        const inbox = (await (await fetch(`${h.baseUrl}/sandbox/sms?phone=${PHONE}`)).json()) as {
          messages: Array<{ payment_id: string; code: string }>;
        };
        const codes = inbox.messages.filter((m) => m.payment_id === paymentId);
        assert.equal(codes.length, 1, 'no second SMS');

        const executeKey = randomUUID();
        const body = { payer: { payer_info: { verify_code: codes[0]!.code } } };
        fresh(
          await h.call(shop, 'POST', `/payments/payment/${paymentId}/execute`, body, { 'idempotency-key': executeKey }),
          200,
        );
        await crashAfterCommit(executeKey);
        const resumedExecute = await h.call(shop, 'POST', `/payments/payment/${paymentId}/execute`, body, {
          'idempotency-key': executeKey,
        });
        fresh(resumedExecute, 200);
        assert.equal(
          resumedExecute.json.payment.state,
          'TRADE_SUCCESS',
          'the paid payment, not 00060750 "already paid"',
        );
        const debits = await h.gateway.context.db
          .selectFrom('sandbox_bank_ledger')
          .select('id')
          .where('payment_id', '=', paymentId)
          .execute();
        assert.equal(debits.length, 1, 'debited once');

        const refundKey = randomUUID();
        const refundBody = {
          order: {
            mer_reference_id: ref('RF'),
            mer_date: (order.order as { mer_date: string }).mer_date,
            amount: { total: '100.02', currency: 'USD' },
          },
          notify_url: 'http://127.0.0.1:9/refund',
        };
        const refunded = await h.call(shop, 'POST', `/payments/payment/${paymentId}/refund`, refundBody, {
          'idempotency-key': refundKey,
        });
        fresh(refunded, 201);
        await crashAfterCommit(refundKey);
        const resumedRefund = await h.call(shop, 'POST', `/payments/payment/${paymentId}/refund`, refundBody, {
          'idempotency-key': refundKey,
        });
        fresh(resumedRefund, 201);
        assert.equal(
          resumedRefund.json.refund.id,
          refunded.json.refund.id,
          'the refund the first attempt created, not 00060744 or 00202010',
        );
        const refunds = await h.gateway.context.db
          .selectFrom('refunds')
          .select('id')
          .where('payment_id', '=', paymentId)
          .execute();
        assert.equal(refunds.length, 1, 'one refund');
      },
    );

    test('a key longer than 255 characters -> 400 00060700; a blank key is no key', async () => {
      const long = await create(shop, sampleOrder(ref('LONG')), 'k'.repeat(256));
      assert.equal(long.status, 400, long.text);
      assert.equal(long.json.meta.ret_code, '00060700');
      assert.ok(h.verifies(long.text), 'the refusal is signed');
      const id = ref('BLANKKEY');
      fresh(await create(shop, sampleOrder(id), '   '), 201);
      conflict(await create(shop, sampleOrder(id), '   '), '00060741');
    });

    test('a key is kept 24 hours, then it may be used again', async () => {
      const key = randomUUID();
      const first = await create(shop, sampleOrder(ref('TTL1')), key);
      fresh(first, 201);
      h.clock.advance(23 * 3600_000);
      await h.token(shop);
      conflict(await create(shop, sampleOrder(ref('TTL2')), key), '00060742');
      h.clock.advance(2 * 3600_000);
      await h.token(shop);
      await h.token(otherShop);
      const later = await create(shop, sampleOrder(ref('TTL3')), key);
      fresh(later, 201);
      assert.notEqual(later.json.payment.id, first.json.payment.id);
    });
  });
}
