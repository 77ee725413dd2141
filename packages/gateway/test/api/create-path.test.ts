/**
 * The create path after its speed-ups: the 201 is rendered from the row just written (no read back)
 * and must say exactly what a query then says; creates in flight together commit together (group
 * commit on SQLite) with duplicates still refused one by one; the keys checked with the token are
 * read per request (a key revoked or added counts from the next request); fx set counts at once.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  startHarness,
  sampleOrder,
  expectOk,
  expectError,
  type Harness,
  type TestMerchant,
} from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';

let seq = 0;
const ref = (label: string) =>
  `CP${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase().replace(/[^A-Z0-9]/g, '');

for (const kind of testDatabaseUrls()) {
  describe(`create path (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;

    before(async () => {
      h = await startHarness(kind, { workers: false });
      shop = await h.merchant({ name: 'Fast Shop' });
    });
    after(async () => {
      await h?.close();
    });

    test('the 201 says byte for byte what a query of the new payment says', async () => {
      for (const order of [
        sampleOrder(ref('SAME')),
        sampleOrder(ref('QR'), { payer: { payment_method: 'WECHAT_SCAN' } }),
      ]) {
        const created = await h.call(shop, 'POST', '/payments/payment', order);
        expectOk(h, created, 201);
        const id = created.json.payment.id as string;
        const sent = order as {
          order: { mer_reference_id: string; amount: unknown };
          payer: { payment_method: string };
        };
        assert.match(id, /^PAY_[A-Z0-9]+$/, `a payment id: ${id}`);
        assert.equal(created.json.payment.state, 'WAIT_BUYER_PAY', created.text);
        assert.equal(
          created.json.payment.order.mer_reference_id,
          sent.order.mer_reference_id,
          'the payment of the order sent',
        );
        assert.equal(created.json.payment.payer.payment_method, sent.payer.payment_method, 'with the method sent');
        const queried = await h.call(shop, 'GET', `/payments/payment/${id}`);
        expectOk(h, queried);
        assert.equal(
          JSON.stringify(created.json.payment),
          JSON.stringify(queried.json.payment),
          'the same payment member, in the same order',
        );
        assert.deepEqual(
          created.json.links,
          created.json.payment.links,
          'the top-level links repeat the payment links',
        );
      }
    });

    test('creates in flight together all commit, and a duplicate among them is refused alone', async () => {
      const refs = Array.from({ length: 12 }, (_, i) => ref(`GRP${i}`));
      const dup = refs[3]!;
      const answers = await Promise.all(
        [...refs, dup, dup].map((r) => h.call(shop, 'POST', '/payments/payment', sampleOrder(r))),
      );
      const created = answers.filter((a) => a.status === 201);
      const refused = answers.filter((a) => a.status !== 201);
      assert.equal(created.length, refs.length, `one payment per reference: ${answers.map((a) => a.status).join(',')}`);
      assert.equal(refused.length, 2, 'the two repeats are refused');
      for (const a of created) expectOk(h, a, 201);
      assert.deepEqual(
        created.map((a) => a.json.payment.order.mer_reference_id).sort(),
        [...refs].sort(),
        'each reference created once',
      );
      for (const a of refused) expectError(h, a, 409, '00060741');
      for (const a of created) {
        const q = await h.call(shop, 'GET', `/payments/payment/${a.json.payment.id}`);
        expectOk(h, q);
        assert.equal(q.json.payment.state, 'WAIT_BUYER_PAY', 'every answered create is in the database');
      }
    });

    test('keys are read with each signed request: a new key works at once, a revoked one fails at once', async () => {
      const merchant = await h.merchant({ name: 'Rotating Shop' });
      const next = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const withNewKey = { ...merchant, privateKey: next.privateKey };
      expectError(h, await h.call(withNewKey, 'POST', '/payments/payment', sampleOrder(ref('EARLY'))), 401, '00060710');
      const keyId = await h.gateway.context.services.merchants.addKey(
        merchant.id,
        next.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      );
      expectOk(h, await h.call(withNewKey, 'POST', '/payments/payment', sampleOrder(ref('NEWKEY'))), 201);
      expectOk(h, await h.call(merchant, 'POST', '/payments/payment', sampleOrder(ref('OLDKEY'))), 201);
      assert.ok(await h.gateway.context.services.merchants.revokeKey(merchant.id, keyId), 'the new key is revoked');
      expectError(
        h,
        await h.call(withNewKey, 'POST', '/payments/payment', sampleOrder(ref('REVOKED'))),
        401,
        '00060710',
      );
      expectOk(h, await h.call(merchant, 'POST', '/payments/payment', sampleOrder(ref('STILL'))), 201);
    });

    test('an exchange rate set while the gateway runs counts from the next payment', async () => {
      const eurOrder = (r: string) => {
        const base = sampleOrder(r).order as Record<string, unknown>;
        const amount = { total: '10.00', currency: 'EUR' };
        return sampleOrder(r, {
          order: { ...base, amount, sub_orders: [{ mer_sub_reference_id: `${r}-1`, amount, trans_code: '01122030' }] },
        });
      };
      await h.gateway.context.sandbox!.fx.setRate('EUR', '7.5000');
      const first = await h.call(shop, 'POST', '/payments/payment', eurOrder(ref('EUR1')));
      expectOk(h, first, 201);
      assert.equal(first.json.payment.order.amount.exchange_rate.rate, '7.5000', first.text);
      await h.gateway.context.sandbox!.fx.setRate('EUR', '7.6000');
      const second = await h.call(shop, 'POST', '/payments/payment', eurOrder(ref('EUR2')));
      expectOk(h, second, 201);
      assert.equal(second.json.payment.order.amount.exchange_rate.rate, '7.6000', second.text);
      assert.equal(second.json.payment.order.amount.total_cny, '76.00', second.text);
    });
  });
}
