/**
 * Outbound URLs at request time (issue 9, finding 1: SSRF), on SQLite and PostgreSQL, with a gateway
 * whose policy does not allow internal addresses (UMF_NOTIFY_ALLOW_PRIVATE=0): a payment, refund or
 * customs declaration whose notify_url (or a payment whose ret_url) points at a loopback, private,
 * link-local or otherwise internal address, in any spelling, or that carries a user name and
 * password, is refused with 00060700 naming the field and why, and nothing is stored; so is the
 * WeChat open_id link for such a notify_url. Public addresses and allow-listed ones are accepted.
 */
import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, expectError, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { paymentBody, payOnSandbox, refundBody } from '../helpers/refunds.ts';
import { customsPaymentBody, declarationBody } from '../helpers/customs.ts';

/** A public address: accepted without a name to resolve (workers are off, nothing is sent). */
const PUBLIC = 'http://93.184.215.14/umf/notify';
/** Allowed by the operator's allow-list although private. */
const ALLOWED = 'http://10.20.30.40:8443/umf/notify';

const INTERNAL = [
  'http://127.0.0.1:8080/notify',
  'http://localhost:8080/notify',
  'http://LOCALHOST./notify',
  'http://[::1]:8080/notify',
  'http://2130706433/notify',
  'http://0x7f000001/notify',
  'http://0177.0.0.1/notify',
  'http://127.1/notify',
  'http://127.0.0.1./notify',
  'http://0.0.0.0/notify',
  'http://[::ffff:127.0.0.1]/notify',
  'http://[::ffff:7f00:1]/notify',
  'http://169.254.169.254/latest/meta-data/',
  'http://10.0.0.1/notify',
  'http://172.16.5.4/notify',
  'http://192.168.1.1/notify',
  'http://100.64.0.1/notify',
  'http://[fc00::1]/notify',
  'http://[fe80::1]/notify',
  'http://224.0.0.1/notify',
  'http://255.255.255.255/notify',
  'http://[64:ff9b::7f00:1]/notify',
  'http://[2002:7f00:1::]/notify',
];

for (const kind of testDatabaseUrls()) {
  describe(`outbound URLs are checked when a request names them (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;

    before(async () => {
      h = await startHarness(kind, { workers: false, outbound: { allowPrivate: false, allow: ['10.20.30.0/24'] } });
      shop = await h.merchant();
    });
    after(async () => {
      await h?.close();
    });

    function refusedFor(res: { text: string; json: any }, field: string, why: RegExp): void {
      expectError(h, res as never, 400, '00060700');
      const msg = String(res.json.meta.ret_msg);
      assert.ok(msg.includes(field), `names ${field}: ${msg}`);
      assert.match(msg, why);
    }

    async function paidPayment(): Promise<string> {
      const res = await h.call(
        shop,
        'POST',
        '/payments/payment',
        paymentBody('WECHAT_SCAN', '10.00', 'USD', undefined, {
          notify_url: PUBLIC,
        }),
      );
      assert.equal(res.status, 201, res.text);
      const id = res.json.payment.id as string;
      await payOnSandbox(h, id, 'success');
      return id;
    }

    test('a payment with an internal notify_url, in every spelling, is refused and not stored', async () => {
      for (const notifyUrl of INTERNAL) {
        const body = paymentBody('WECHAT_SCAN', '10.00', 'USD', undefined, { notify_url: notifyUrl });
        const res = await h.call(shop, 'POST', '/payments/payment', body);
        refusedFor(res, 'notify_url', /points at an? .*address/);
        const ref = (body.order as { mer_reference_id: string }).mer_reference_id;
        const stored = await h.gateway.context.db
          .selectFrom('payments')
          .select('id')
          .where('mer_reference_id', '=', ref)
          .execute();
        assert.equal(stored.length, 0, `${notifyUrl}: no payment stored`);
      }
    });

    test('the refusal says which address: metadata, loopback spelled as a number, IPv4-mapped', async () => {
      const cases: Array<[string, RegExp]> = [
        ['http://169.254.169.254/latest/meta-data/', /link-local address \(169\.254\.169\.254\)/],
        ['http://2130706433/', /loopback address \(127\.0\.0\.1\)/],
        ['http://[::ffff:127.0.0.1]/', /IPv4-mapped loopback address/],
        ['http://localhost/', /loopback address \(localhost\)/],
      ];
      for (const [notifyUrl, why] of cases) {
        const res = await h.call(
          shop,
          'POST',
          '/payments/payment',
          paymentBody('WECHAT_SCAN', '10.00', 'USD', undefined, { notify_url: notifyUrl }),
        );
        refusedFor(res, 'notify_url', why);
      }
    });

    test('user name and password in notify_url are refused (they would be sent on as Basic auth)', async () => {
      const res = await h.call(
        shop,
        'POST',
        '/payments/payment',
        paymentBody('WECHAT_SCAN', '10.00', 'USD', undefined, { notify_url: 'http://user:pw@93.184.215.14/notify' }),
      );
      refusedFor(res, 'notify_url', /must not hold a user name or password/);
    });

    test('an internal ret_url is refused too', async () => {
      const res = await h.call(
        shop,
        'POST',
        '/payments/payment',
        paymentBody('WECHAT_SCAN', '10.00', 'USD', undefined, { notify_url: PUBLIC, ret_url: 'http://127.0.0.1/back' }),
      );
      refusedFor(res, 'ret_url', /loopback/);
    });

    test('public and allow-listed notify URLs are accepted', async () => {
      for (const notifyUrl of [PUBLIC, ALLOWED, 'https://[2606:4700::1111]/notify']) {
        const res = await h.call(
          shop,
          'POST',
          '/payments/payment',
          paymentBody('WECHAT_SCAN', '10.00', 'USD', undefined, { notify_url: notifyUrl }),
        );
        assert.equal(res.status, 201, `${notifyUrl}: ${res.text}`);
        assert.equal(res.json.payment.notify_url, notifyUrl);
      }
    });

    test('a refund with an internal notify_url is refused and not stored', async () => {
      const id = await paidPayment();
      for (const notifyUrl of ['http://127.1:9/refund', 'http://[::ffff:a9fe:a9fe]/', 'http://u:p@93.184.215.14/']) {
        const body = { ...refundBody('order', { total: '1.00' }), notify_url: notifyUrl };
        const res = await h.call(shop, 'POST', `/payments/payment/${id}/refund`, body);
        refusedFor(res, 'notify_url', /points at|user name/);
      }
      const refunds = await h.gateway.context.db
        .selectFrom('refunds')
        .select('id')
        .where('payment_id', '=', id)
        .execute();
      assert.equal(refunds.length, 0);
      const accepted = await h.call(shop, 'POST', `/payments/payment/${id}/refund`, {
        ...refundBody('order', { total: '1.00' }),
        notify_url: PUBLIC,
      });
      assert.equal(accepted.status, 201, accepted.text);
    });

    test('a customs declaration with an internal notify_url is refused and not stored', async () => {
      const body = customsPaymentBody(h, PUBLIC);
      const created = await h.call(shop, 'POST', '/payments/payment', body);
      assert.equal(created.status, 201, created.text);
      const id = created.json.payment.id as string;
      await payOnSandbox(h, id, 'success');
      const sub = `${(body.order as { mer_reference_id: string }).mer_reference_id}-C`;
      for (const notifyUrl of ['http://0x7f.1/customs', 'http://192.168.0.10/customs', 'http://[fd00::5]/']) {
        const res = await h.call(
          shop,
          'POST',
          `/payments/payment/${id}/apply_to_customs`,
          declarationBody(sub, { notify_url: notifyUrl }),
        );
        refusedFor(res, 'notify_url', /points at/);
      }
      const stored = await h.gateway.context.db
        .selectFrom('customs_declarations')
        .select('id')
        .where('payment_id', '=', id)
        .execute();
      assert.equal(stored.length, 0);
    });

    test("the gateway's worker uses the same policy: a stored internal notify_url is not called", async () => {
      // A row from before the upgrade (or written around the API): the worker refuses it on its own.
      const id = await h.gateway.context.db.transaction().execute((trx) =>
        h.gateway.context.outbox.enqueue(
          trx,
          {
            merchantId: shop.id,
            objectType: 'payment',
            objectId: 'PAY_OLD',
            url: 'http://127.0.0.1:9/old-notify',
            payload: { payment: { id: 'PAY_OLD' } },
          },
          h.clock.now(),
        ),
      );
      await h.gateway.notifier.runOnce();
      const [attempt] = await h.gateway.context.repositories.outbox.attempts(id);
      assert.equal(attempt?.outcome, 'network_error');
      assert.equal(attempt?.error, 'refused: notify_url points at a loopback address (127.0.0.1)');
    });

    test('the WeChat open_id link for an internal notify_url is refused', async () => {
      for (const notifyUrl of ['http://127.0.0.1:8080/cb', 'http://[::1]/cb', 'http://a:b@93.184.215.14/cb']) {
        const res = await h.call(shop, 'GET', `/payments/wechat_openid?notify_url=${encodeURIComponent(notifyUrl)}`);
        refusedFor(res, 'notify_url', /points at|user name/);
      }
      const ok = await h.call(shop, 'GET', `/payments/wechat_openid?notify_url=${encodeURIComponent(PUBLIC)}`);
      assert.equal(ok.status, 200, ok.text);
    });
  });
}
