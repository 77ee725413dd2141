/**
 * Request signatures (SHA256withRSA over the exact bytes of the POST body) and response signatures
 * (meta.sign over the result members, on every answer including errors and unknown routes).
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import { signSha256WithRsa } from '../../src/crypto/rsa-signature.ts';
import {
  startHarness,
  sampleOrder,
  type ApiResponse,
  type Harness,
  type TestMerchant,
  readResponse,
} from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';

let seq = 0;
const ref = (label: string) =>
  `SIG${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase().replace(/[^A-Z0-9]/g, '');

async function send(
  h: Harness,
  token: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const res = await fetch(path.startsWith('http') ? path : `${h.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  return readResponse(res);
}

for (const kind of testDatabaseUrls()) {
  describe(`signatures (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;
    let other: TestMerchant;
    let token: string;

    function assertError(res: ApiResponse, status: number, code: string): void {
      assert.equal(res.status, status, res.text);
      assert.equal(res.json?.meta?.ret_code, code, res.text);
      assert.equal(typeof res.json.meta.ret_msg, 'string');
      assert.ok(h.verifies(res.text), `signed: ${res.text}`);
      assert.ok(res.text.startsWith('{"meta":{"ret_code":'), 'meta comes first');
    }

    async function paymentCount(merchant: TestMerchant): Promise<number> {
      const rows = await h.gateway.context.db
        .selectFrom('payments')
        .select('id')
        .where('merchant_id', '=', merchant.id)
        .execute();
      return rows.length;
    }

    before(async () => {
      h = await startHarness(kind);
      shop = await h.merchant({ name: 'Signing Shop' });
      other = await h.merchant({ name: 'Other Shop' });
      token = await h.token(shop);
    });
    after(async () => {
      await h?.close();
    });

    test('a POST without Signature -> 401 00060710, nothing created', async () => {
      const before = await paymentCount(shop);
      const res = await send(h, token, 'POST', '/payments/payment', JSON.stringify(sampleOrder(ref('NOSIG'))));
      assertError(res, 401, '00060710');
      assert.equal(await paymentCount(shop), before);
      const empty = await send(h, token, 'POST', '/payments/payment', JSON.stringify(sampleOrder(ref('EMPTYSIG'))), {
        signature: '',
      });
      assertError(empty, 401, '00060710');
      const garbage = await send(h, token, 'POST', '/payments/payment', JSON.stringify(sampleOrder(ref('BADSIG'))), {
        signature: '!!not base64!!',
      });
      assertError(garbage, 401, '00060710');
    });

    test('a signature over different bytes -> 401 00060710', async () => {
      const signedBody = JSON.stringify(sampleOrder(ref('SIGNED')));
      const sentBody = JSON.stringify(sampleOrder(ref('SENT')));
      const res = await send(h, token, 'POST', '/payments/payment', sentBody, {
        signature: signSha256WithRsa(shop.privateKey, signedBody),
      });
      assertError(res, 401, '00060710');
      // The same document re-serialised with a different key order is different bytes: rejected.
      const order = sampleOrder(ref('REORDER'));
      const compact = JSON.stringify(order);
      const reordered = JSON.stringify({ notify_url: order.notify_url, order: order.order, payer: order.payer });
      assert.notEqual(compact, reordered);
      const res2 = await send(h, token, 'POST', '/payments/payment', reordered, {
        signature: signSha256WithRsa(shop.privateKey, compact),
      });
      assertError(res2, 401, '00060710');
      // One trailing space more than was signed.
      const res3 = await send(h, token, 'POST', '/payments/payment', compact + ' ', {
        signature: signSha256WithRsa(shop.privateKey, compact),
      });
      assertError(res3, 401, '00060710');
    });

    test("signed with another merchant's key -> 401 00060710", async () => {
      const body = JSON.stringify(sampleOrder(ref('OTHERKEY')));
      const res = await send(h, token, 'POST', '/payments/payment', body, {
        signature: signSha256WithRsa(other.privateKey, body),
      });
      assertError(res, 401, '00060710');
      // The other merchant's own token with its own key works: it is the pairing that matters.
      const ok = await h.call(other, 'POST', '/payments/payment', body);
      assert.equal(ok.status, 201, ok.text);
      assert.equal(ok.json.meta.ret_code, '0000');
    });

    test(
      'the signature covers the raw bytes: ' + 'extra spaces and unusual key order, signed as sent, are accepted',
      async () => {
        const id = ref('RAW');
        const order = sampleOrder(id) as { payer: unknown; order: Record<string, unknown>; notify_url: string };
        const o = order.order;
        const rawBody =
          '{ "notify_url" :  "' +
          order.notify_url +
          '" ,\n' +
          '  "order" : { "sub_orders" : ' +
          JSON.stringify(o.sub_orders, null, 1) +
          ' , "amount":{ "currency":"USD" , "total":"100.02" },' +
          ' "mer_date" : "' +
          String(o.mer_date) +
          '",   "mer_reference_id":"' +
          id +
          '", "expire_time":"360" } ,\r\n' +
          '  "payer" : ' +
          JSON.stringify(order.payer, null, 3) +
          '   }  ';
        const res = await send(h, token, 'POST', '/payments/payment', rawBody, {
          signature: signSha256WithRsa(shop.privateKey, rawBody),
        });
        assert.equal(res.status, 201, res.text);
        assert.equal(res.json.meta.ret_code, '0000');
        assert.ok(h.verifies(res.text));
        assert.equal(res.json.payment.order.mer_reference_id, id);
        assert.equal(res.json.payment.order.amount.total, '100.02');
        assert.equal(res.json.payment.state, 'WAIT_BUYER_PAY');
        // Non-ASCII text is signed as UTF-8 bytes.
        const id2 = ref('UTF8');
        const zh = JSON.stringify(sampleOrder(id2, {})).replace('Two T-shirts and a jacket', '两件T恤和一件夹克');
        const res2 = await send(h, token, 'POST', '/payments/payment', zh, {
          signature: signSha256WithRsa(shop.privateKey, Buffer.from(zh, 'utf8')),
        });
        assert.equal(res2.status, 201, res2.text);
        assert.equal(res2.json.payment.order.order_summary, '两件T恤和一件夹克');
        assert.ok(h.verifies(res2.text));
      },
    );

    test('a signed body is read whatever Content-Type the client sends (or none)', async () => {
      for (const contentType of [
        'application/json;charset=UTF-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        undefined,
      ]) {
        const id = ref('CT');
        const body = JSON.stringify(sampleOrder(id));
        const headers: Record<string, string> = {
          authorization: `Bearer${token}`,
          signature: signSha256WithRsa(shop.privateKey, body),
          'content-length': String(Buffer.byteLength(body)),
        };
        if (contentType) headers['content-type'] = contentType;
        const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = http.request(`${h.api}/payments/payment`, { method: 'POST', headers }, (r) => {
            let text = '';
            r.setEncoding('utf8');
            r.on('data', (c: string) => (text += c));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, text }));
          });
          req.on('error', reject);
          req.end(body);
        });
        assert.equal(res.status, 201, `${contentType}: ${res.text}`);
        assert.equal(JSON.parse(res.text).payment.order.mer_reference_id, id);
        assert.ok(h.verifies(res.text));
      }
    });

    test('every response carries a meta.sign that verifies: success, 4xx, GET, POST', async () => {
      const created = await h.call(shop, 'POST', '/payments/payment', sampleOrder(ref('META')));
      assert.equal(created.status, 201, created.text);
      const responses: ApiResponse[] = [
        created,
        await h.call(shop, 'GET', `/payments/payment/${created.json.payment.id}`),
        await h.call(shop, 'GET', '/bank?type=DEBIT_CARD'),
        await h.call(shop, 'GET', '/exchange_rate'),
        await h.call(shop, 'GET', '/payments/payment/PAY_DOESNOTEXIST'),
        await h.call(shop, 'POST', '/payments/payment', '{not json'),
        await h.call(shop, 'POST', '/payments/payment', sampleOrder(ref('META'), { notify_url: undefined })),
        await h.call(shop, 'GET', '/exchange_rate?currency=XYZ'),
        await send(h, 'nonsense', 'GET', '/bank'),
      ];
      for (const res of responses) {
        assert.ok(res.json?.meta, res.text);
        assert.equal(typeof res.json.meta.sign, 'string', res.text);
        assert.ok(h.verifies(res.text), `meta.sign verifies for ${res.status} ${res.text.slice(0, 120)}`);
        // Tampering with the result breaks the signature.
        if (res.text.includes('"payment":'))
          assert.equal(h.verifies(res.text.replace('WAIT_BUYER_PAY', 'TRADE_SUCCESS')), false);
      }
    });

    test('error messages that echo client input with braces and quotes still verify', async () => {
      for (const bankCode of ['X}{Y', 'A"}B', '{}', 'Z\\}']) {
        const res = await h.call(
          shop,
          'POST',
          '/payments/payment',
          sampleOrder(ref('BRACE'), {
            payer: { payment_method: 'CREDIT_CARD', bank_code: bankCode, payer_info: { phone: '13800138000' } },
          }),
        );
        assert.equal(res.status, 400, res.text);
        assert.equal(res.json.meta.ret_code, '00200027', res.text);
        assert.ok(res.json.meta.ret_msg.includes(bankCode.toUpperCase()), res.json.meta.ret_msg);
        assert.ok(h.verifies(res.text), res.text);
      }
    });

    test('an unknown route -> 404 00060704, signed, with or without a token', async () => {
      for (const [method, path] of [
        ['GET', '/no/such/route'],
        ['POST', '/no/such/route'],
        ['GET', '/payments/payment/PAY_X/nonsense'],
        ['DELETE', '/payments/payment'],
      ] as const) {
        const authed = await send(h, token, method, path, method === 'POST' ? '{}' : undefined);
        assertError(authed, 404, '00060704');
        const anonymous = await fetch(`${h.api}${path}`, { method });
        const text = await anonymous.text();
        assert.equal(anonymous.status, 404, text);
        assert.equal(JSON.parse(text).meta.ret_code, '00060704');
        assert.ok(h.verifies(text));
      }
      const outside = await fetch(`${h.baseUrl}/nothing-here`);
      const text = await outside.text();
      assert.equal(outside.status, 404);
      assert.equal(JSON.parse(text).meta.ret_code, '00060704');
      assert.ok(h.verifies(text));
    });
  });
}
