/**
 * Finding 6 of the hardening issue: every answer is a catalogue code, the framework's errors
 * included. On the API a signed UMF error; on the pages (checkout, sandbox wallet and WeChat) an
 * HTML page. Bodies are taken only in the content types the route takes.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { signSha256WithRsa } from '../../src/crypto/rsa-signature.ts';

/** A raw HTTP request (fetch would normalise a malformed URL). */
function raw(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const kind = testDatabaseUrls()[0]!;

describe('framework errors are catalogue codes', () => {
  let h: Harness;
  let shop: TestMerchant;
  let token: string;
  before(async () => {
    h = await startHarness(kind, { workers: false });
    shop = await h.merchant();
    token = await h.token(shop);
  });
  after(async () => h?.close());

  function assertSigned(res: { status: number; text: string }, status: number, code: string): void {
    assert.equal(res.status, status, res.text);
    const json = JSON.parse(res.text) as { meta: { ret_code: string }; error: { ret_code: string } };
    assert.equal(json.meta.ret_code, code, res.text);
    assert.equal(json.error.ret_code, code);
    assert.ok(h.verifies(res.text), 'signed');
  }

  function assertPage(res: { status: number; text: string; headers: http.IncomingHttpHeaders }, status: number) {
    assert.equal(res.status, status, res.text.slice(0, 300));
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(String(res.headers['content-security-policy']), /default-src/);
    assert.ok(!res.text.includes('FST_ERR'), 'no framework error text');
  }

  test('a malformed URL on the API -> 400 00060706, signed', async () => {
    assertSigned(await raw(h.baseUrl, 'GET', '/cberest/v1/payments/payment/%E0%A4%A', {}), 400, '00060706');
    assertSigned(await raw(h.baseUrl, 'GET', '/nothing/%zz', {}), 400, '00060706');
  });

  test('a path parameter too long on the API -> 414 00060707, signed', async () => {
    const res = await raw(h.baseUrl, 'GET', `/cberest/v1/payments/payment/${'P'.repeat(200)}`, {
      authorization: `Bearer ${token}`,
    });
    assertSigned(res, 414, '00060707');
  });

  test('the same on the pages is a page with the same status', async () => {
    assertPage(await raw(h.baseUrl, 'GET', '/checkout/%E0%A4%A', {}), 400);
    assertPage(await raw(h.baseUrl, 'GET', `/checkout/${'P'.repeat(200)}`, {}), 414);
    assertPage(await raw(h.baseUrl, 'GET', `/sandbox/wallet/alipay/${'P'.repeat(200)}`, {}), 414);
    assertPage(await raw(h.baseUrl, 'GET', '/checkout/PAY_X/no/such/page', {}), 404);
  });

  test('an unknown route under /cberest/v1 -> 404 00060704, signed', async () => {
    assertSigned(await raw(h.baseUrl, 'GET', '/cberest/v1/nope', {}), 404, '00060704');
  });

  test('a body too large -> 413 00060702 (signed on the API, a page on the pages)', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const api = await raw(
      h.baseUrl,
      'POST',
      '/cberest/v1/payments/payment',
      { authorization: `Bearer ${token}`, 'content-type': 'application/json', signature: 'x' },
      big,
    );
    assertSigned(api, 413, '00060702');
    const page = await raw(
      h.baseUrl,
      'POST',
      '/checkout/PAY_X/card',
      { 'content-type': 'application/x-www-form-urlencoded' },
      `t=${big}`,
    );
    assertPage(page, 413);
  });

  test('API bodies of another content type -> 415 00060703, never parsed as JSON', async () => {
    const body = JSON.stringify({ order: {} });
    for (const type of ['multipart/form-data; boundary=x', 'application/xml', 'image/png', 'text/html']) {
      const res = await raw(
        h.baseUrl,
        'POST',
        '/cberest/v1/payments/payment',
        {
          authorization: `Bearer ${token}`,
          'content-type': type,
          signature: signSha256WithRsa(shop.privateKey, body),
        },
        body,
      );
      assertSigned(res, 415, '00060703');
    }
    const tokenRes = await raw(
      h.baseUrl,
      'POST',
      '/cberest/v1/oauth/authorize',
      { 'content-type': 'application/xml' },
      JSON.stringify({ grant_type: 'client_credentials', client_id: shop.clientId, client_secret: shop.clientSecret }),
    );
    assertSigned(tokenRes, 415, '00060703');
  });

  test('the token endpoint takes JSON with a charset, a form, or no content type', async () => {
    const fields = { grant_type: 'client_credentials', client_id: shop.clientId, client_secret: shop.clientSecret };
    for (const [type, body] of [
      ['application/json;charset=UTF-8', JSON.stringify(fields)],
      ['application/x-www-form-urlencoded; charset=utf-8', new URLSearchParams(fields).toString()],
      [undefined, JSON.stringify(fields)],
    ] as const) {
      const res = await raw(
        h.baseUrl,
        'POST',
        '/cberest/v1/oauth/authorize',
        type ? { 'content-type': type } : {},
        body,
      );
      assert.equal(res.status, 200, `${type}: ${res.text}`);
    }
  });

  test('the pages take forms only: JSON to a page -> 415 page', async () => {
    const res = await raw(
      h.baseUrl,
      'POST',
      '/checkout/PAY_X/card',
      { 'content-type': 'application/json' },
      '{"t":"x"}',
    );
    assertPage(res, 415);
  });

  test('malformed JSON on the API -> 400 00060701, signed', async () => {
    token = await h.token(shop); // the token endpoint's test replaced the merchant's token
    const body = '{"order":';
    const res = await raw(
      h.baseUrl,
      'POST',
      '/cberest/v1/payments/payment',
      {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        signature: signSha256WithRsa(shop.privateKey, body),
      },
      body,
    );
    assertSigned(res, 400, '00060701');
  });
});
