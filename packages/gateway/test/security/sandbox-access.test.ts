/**
 * Who may call the sandbox's JSON endpoints (GET /sandbox/sms, POST /sandbox/payments/{id}/pay). A
 * loopback caller needs nothing, as PRODUCT.md says. On a gateway listening beyond loopback (HOST
 * 0.0.0.0: the README's phone set-up) any other caller needs its merchant's bearer token (00280703
 * without a valid one) and then reaches only that merchant's payments (00060760 for another's) and the
 * SMS of them; a proxied request (X-Forwarded-For) is not a loopback caller; UMF_SANDBOX_PUBLIC=1
 * opens them to anyone. Requests "from the network" are injected with a non-loopback remote address.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, sampleOrder, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { resolveConfig } from '../../src/config/process-config.ts';

const PHONE = '13700137000';
const REMOTE = '192.0.2.10';
let seq = 0;
const ref = (label: string) => `SA${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase();

interface Inbox {
  messages: Array<{ phone: string; code: string; payment_id: string }>;
}

async function world(h: Harness) {
  const a = await h.merchant({ name: 'Shop A' });
  const b = await h.merchant({ name: 'Shop B' });

  /** A card payment of `m` whose SMS code went to PHONE. */
  async function smsPayment(m: TestMerchant): Promise<string> {
    const created = await h.call(
      m,
      'POST',
      '/payments/payment',
      sampleOrder(ref('C'), {
        payer: { payment_method: 'CREDIT_CARD', bank_code: 'ICBC', payer_info: { phone: PHONE } },
      }),
    );
    assert.equal(created.status, 201, created.text);
    const id = created.json.payment.id as string;
    const verify = await h.call(m, 'POST', `/payments/payment/${id}/verify`, {
      payer: {
        payer_info: {
          bank_card: {
            number: h.encrypt(m, '6225760000040001'),
            valid_date: h.encrypt(m, '3012'),
            cvv2: h.encrypt(m, '123'),
            payer_name: h.encrypt(m, 'Zhang San'),
            citizen_id_type: '1',
            citizen_id_number: h.encrypt(m, '11010519491231002X'),
            phone: PHONE,
          },
        },
      },
    });
    assert.equal(verify.status, 200, verify.text);
    return id;
  }

  async function qrPayment(m: TestMerchant): Promise<string> {
    const created = await h.call(
      m,
      'POST',
      '/payments/payment',
      sampleOrder(ref('Q'), { payer: { payment_method: 'WECHAT_SCAN' } }),
    );
    assert.equal(created.status, 201, created.text);
    return created.json.payment.id as string;
  }

  async function state(m: TestMerchant, id: string): Promise<string> {
    const res = await h.call(m, 'GET', `/payments/payment/${id}`);
    assert.equal(res.status, 200, res.text);
    return res.json.payment.state as string;
  }

  /** A request from the network (or, with `headers`, through a proxy). */
  function remote(method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}, body?: unknown) {
    return h.gateway.app.inject({
      method,
      url,
      remoteAddress: REMOTE,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  }

  return { a, b, smsPayment, qrPayment, state, remote };
}

for (const kind of testDatabaseUrls()) {
  describe(`sandbox endpoints on a gateway listening beyond loopback (${kind.name})`, () => {
    let h: Harness;
    let w: Awaited<ReturnType<typeof world>>;
    before(async () => {
      h = await startHarness(kind, { workers: false, sandboxAccess: 'token' });
      w = await world(h);
    });
    after(async () => {
      await h?.close();
    });

    test('without a token a caller from the network is refused (00280703) and pays nothing', async () => {
      const id = await w.qrPayment(w.b);
      await w.smsPayment(w.b);
      const sms = await w.remote('GET', `/sandbox/sms?phone=${PHONE}`);
      assert.equal(sms.statusCode, 401, sms.body);
      assert.equal(sms.json().meta.ret_code, '00280703');
      assert.match(sms.json().meta.ret_msg, /beyond loopback/);
      assert.ok(!sms.body.includes('"code"'), 'no SMS code in the answer');
      const pay = await w.remote('POST', `/sandbox/payments/${id}/pay`, {}, { outcome: 'fail' });
      assert.equal(pay.statusCode, 401, pay.body);
      assert.equal(pay.json().meta.ret_code, '00280703');
      const forged = await w.remote('POST', `/sandbox/payments/${id}/pay`, { authorization: 'Bearer nope' }, {});
      assert.equal(forged.statusCode, 401, forged.body);
      assert.equal(forged.json().meta.ret_code, '00280703');
      assert.equal(await w.state(w.b, id), 'WAIT_BUYER_PAY', 'nothing was paid or failed');
    });

    test("with its merchant's token: only that merchant's payments and the SMS of them", async () => {
      const mineSms = await w.smsPayment(w.a);
      const theirsSms = await w.smsPayment(w.b);
      const mine = await w.qrPayment(w.a);
      const theirs = await w.qrPayment(w.b);
      const bearer = { authorization: `Bearer ${await h.token(w.a)}` };

      const sms = await w.remote('GET', `/sandbox/sms?phone=${PHONE}`, bearer);
      assert.equal(sms.statusCode, 200, sms.body);
      const ids = sms.json<Inbox>().messages.map((m) => m.payment_id);
      assert.ok(ids.includes(mineSms), 'its own payment');
      assert.ok(!ids.includes(theirsSms), "not another merchant's payment");

      const other = await w.remote('POST', `/sandbox/payments/${theirs}/pay`, bearer, { outcome: 'fail' });
      assert.equal(other.statusCode, 404, other.body);
      assert.equal(other.json().meta.ret_code, '00060760', "another merchant's payment does not exist for it");
      assert.equal(await w.state(w.b, theirs), 'WAIT_BUYER_PAY');

      const own = await w.remote('POST', `/sandbox/payments/${mine}/pay`, bearer, { outcome: 'success' });
      assert.equal(own.statusCode, 200, own.body);
      assert.equal(own.json().payment.state, 'TRADE_SUCCESS');
    });

    test('a loopback caller needs no token (unchanged), unless it is a proxy forwarding a request', async () => {
      const theirsSms = await w.smsPayment(w.b);
      const res = await fetch(`${h.baseUrl}/sandbox/sms?phone=${PHONE}`);
      assert.equal(res.status, 200);
      assert.ok(
        ((await res.json()) as Inbox).messages.some((m) => m.payment_id === theirsSms),
        'every SMS',
      );
      const v6 = await h.gateway.app.inject({ url: `/sandbox/sms?phone=${PHONE}`, remoteAddress: '::ffff:127.0.0.1' });
      assert.equal(v6.statusCode, 200, 'an IPv4-mapped loopback address is loopback');
      const id = await w.qrPayment(w.b);
      const proxied = await fetch(`${h.baseUrl}/sandbox/payments/${id}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
        body: '{}',
      });
      assert.equal(proxied.status, 401, 'a request a local proxy forwarded is not a loopback caller');
      assert.equal(await w.state(w.b, id), 'WAIT_BUYER_PAY');
      const local = await fetch(`${h.baseUrl}/sandbox/payments/${id}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(local.status, 200, 'a loopback caller pays any payment, as PRODUCT.md says');
    });
  });
}

describe('sandbox endpoints with UMF_SANDBOX_PUBLIC=1 and on loopback', () => {
  const sqlite = testDatabaseUrls().find((k) => k.name === 'sqlite')!;

  test('public: anybody, without a token', async () => {
    const h = await startHarness(sqlite, { workers: false, sandboxAccess: 'public' });
    try {
      const w = await world(h);
      const sent = await w.smsPayment(w.b);
      const sms = await w.remote('GET', `/sandbox/sms?phone=${PHONE}`);
      assert.equal(sms.statusCode, 200, sms.body);
      assert.ok(sms.json<Inbox>().messages.some((m) => m.payment_id === sent));
      const id = await w.qrPayment(w.b);
      const pay = await w.remote('POST', `/sandbox/payments/${id}/pay`, {}, {});
      assert.equal(pay.statusCode, 200, pay.body);
    } finally {
      await h.close();
    }
  });

  test('a gateway on loopback (the default): a caller that is not loopback still needs a token', async () => {
    const h = await startHarness(sqlite, { workers: false });
    try {
      const w = await world(h);
      const res = await fetch(`${h.baseUrl}/sandbox/sms?phone=${PHONE}`);
      assert.equal(res.status, 200, 'loopback: open, as today');
      const remote = await w.remote('GET', `/sandbox/sms?phone=${PHONE}`);
      assert.equal(remote.statusCode, 401, remote.body);
      assert.equal(remote.json().meta.ret_code, '00280703');
    } finally {
      await h.close();
    }
  });
});

describe('the sandbox access setting (process configuration)', () => {
  const access = (env: NodeJS.ProcessEnv, host?: string) => resolveConfig(host ? { host } : {}, env).sandboxAccess;

  test('resolved from HOST and UMF_SANDBOX_PUBLIC', () => {
    assert.equal(access({}), 'loopback', 'the default host 127.0.0.1');
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'])
      assert.equal(access({ HOST: host }), 'loopback', host);
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'gateway.example'])
      assert.equal(access({ HOST: host }), 'token', host);
    assert.equal(access({}, '0.0.0.0'), 'token', '--host counts like HOST');
    assert.equal(access({ HOST: '0.0.0.0', UMF_SANDBOX_PUBLIC: '1' }), 'public');
    assert.equal(access({ HOST: '0.0.0.0', UMF_SANDBOX_PUBLIC: '0' }), 'token');
    assert.equal(access({ UMF_SANDBOX_PUBLIC: '' }), 'loopback');
  });

  test('a bad UMF_SANDBOX_PUBLIC stops the start, naming the variable', () => {
    for (const value of ['yes', 'true', '2', ' 1'])
      assert.throws(() => access({ UMF_SANDBOX_PUBLIC: value }), /UMF_SANDBOX_PUBLIC/, value);
  });
});
