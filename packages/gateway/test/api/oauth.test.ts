/**
 * POST /oauth/authorize as real clients call it (JSON, form, HTTP Basic), the token's exact wire
 * shape, one live token per merchant, both `Bearer<token>` spellings, expiry, lockout after failed
 * secrets, and the harmless headers real clients send on GETs.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { signSha256WithRsa } from '../../src/crypto/rsa-signature.ts';
import { startHarness, type Harness, type TestMerchant, readResponse } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';

const TOKEN_BODY = /^\{"access_token":"([0-9a-f]{64})","expires_in":3600\}$/;

interface RawResponse {
  status: number;
  text: string;
  json: any;
  headers: Headers;
}

async function raw(url: string, init: RequestInit): Promise<RawResponse> {
  const res = await fetch(url, init);
  return readResponse(res);
}

for (const kind of testDatabaseUrls()) {
  describe(`oauth (${kind.name})`, () => {
    let h: Harness;
    const authorize = (body: string | undefined, headers: Record<string, string>) =>
      raw(`${h.api}/oauth/authorize`, { method: 'POST', headers, ...(body !== undefined ? { body } : {}) });
    const jsonCredentials = (m: TestMerchant, secret = m.clientSecret, grant = 'client_credentials') =>
      authorize(JSON.stringify({ client_id: m.clientId, client_secret: secret, grant_type: grant }), {
        'content-type': 'application/json',
      });
    const bankList = (authorization: string, extra: Record<string, string> = {}) =>
      raw(`${h.api}/bank?type=CREDIT_CARD`, { method: 'GET', headers: { authorization, ...extra } });

    function tokenOf(res: RawResponse): string {
      assert.equal(res.status, 200, res.text);
      const match = TOKEN_BODY.exec(res.text);
      assert.ok(match, `token body is exactly {"access_token":"<64 hex>","expires_in":3600}: ${res.text}`);
      // A real client reads the token by position: split on "," then ":" and strip the quotes.
      const byPosition = res.text.split(',')[0]!.split(':')[1]!.replaceAll('"', '');
      assert.equal(byPosition, match[1]);
      assert.deepEqual(Object.keys(JSON.parse(res.text)), ['access_token', 'expires_in']);
      return match[1]!;
    }

    /** The token opened the API: 200, ret_code 0000, a bank list, signed. */
    function opensApi(res: RawResponse, what = 'the token opens the API'): void {
      assert.equal(res.status, 200, `${what}: ${res.text}`);
      assert.equal(res.json?.meta?.ret_code, '0000', `${what}: ${res.text}`);
      assert.ok(Array.isArray(res.json.banks), `${what}: a bank list: ${res.text.slice(0, 200)}`);
      assert.ok(h.verifies(res.text), `${what}: signed`);
    }

    function assertUmfError(res: RawResponse, status: number, code: string): void {
      assert.equal(res.status, status, res.text);
      assert.equal(res.json?.meta?.ret_code, code, res.text);
      assert.ok(h.verifies(res.text), `error response is signed: ${res.text}`);
    }

    before(async () => {
      h = await startHarness(kind);
    });
    after(async () => {
      await h?.close();
    });

    test('JSON body -> compact token, access_token first; the token opens the API', async () => {
      const m = await h.merchant();
      const res = await jsonCredentials(m);
      const token = tokenOf(res);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const banks = await bankList(`Bearer ${token}`);
      assert.equal(banks.status, 200, banks.text);
      assert.equal(banks.json.meta.ret_code, '0000');
      assert.ok(h.verifies(banks.text), 'the bank list is signed');
    });

    test('form-encoded body', async () => {
      const m = await h.merchant();
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: m.clientId,
        client_secret: m.clientSecret,
      }).toString();
      const token = tokenOf(await authorize(body, { 'content-type': 'application/x-www-form-urlencoded' }));
      opensApi(await bankList(`Bearer ${token}`));
    });

    test('HTTP Basic credentials with grant_type in a form body', async () => {
      const m = await h.merchant();
      const basic = Buffer.from(`${m.clientId}:${m.clientSecret}`).toString('base64');
      const token = tokenOf(
        await authorize('grant_type=client_credentials', {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${basic}`,
        }),
      );
      opensApi(await bankList(`Bearer ${token}`));
    });

    test('HTTP Basic credentials with grant_type in a JSON body', async () => {
      const m = await h.merchant();
      const basic = Buffer.from(`${m.clientId}:${m.clientSecret}`).toString('base64');
      const token = tokenOf(
        await authorize('{"grant_type":"client_credentials"}', {
          'content-type': 'application/json',
          authorization: `Basic ${basic}`,
        }),
      );
      opensApi(await bankList(`Bearer ${token}`));
    });

    test('a second token disables the first', async () => {
      const m = await h.merchant();
      const first = tokenOf(await jsonCredentials(m));
      opensApi(await bankList(`Bearer ${first}`));
      const second = tokenOf(await jsonCredentials(m));
      assert.notEqual(first, second);
      assertUmfError(await bankList(`Bearer ${first}`), 401, '00280703');
      const ok = await bankList(`Bearer ${second}`);
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.json.meta.ret_code, '0000');
    });

    test('Authorization: Bearer<token> without a space (Java client) and with a space both work', async () => {
      const m = await h.merchant();
      const token = tokenOf(await jsonCredentials(m));
      for (const header of [`Bearer${token}`, `Bearer ${token}`]) {
        const res = await bankList(header);
        assert.equal(res.status, 200, `${header.slice(0, 8)}...: ${res.text}`);
        assert.equal(res.json.meta.ret_code, '0000');
        assert.ok(
          Array.isArray(res.json.banks) && res.json.banks.length > 0,
          `a non-empty bank list: ${res.text.slice(0, 200)}`,
        );
        assert.ok(h.verifies(res.text), `the answer is signed: ${res.text.slice(0, 200)}`);
      }
      // Signed POSTs take the no-space form too.
      const body = '{}';
      const post = await raw(`${h.api}/payments/payment/PAY_NOSUCHPAYMENT/verify`, {
        method: 'POST',
        headers: {
          authorization: `Bearer${token}`,
          'content-type': 'application/json',
          signature: signSha256WithRsa(m.privateKey, body),
        },
        body,
      });
      assertUmfError(post, 404, '00060760');
    });

    test('unknown, missing and malformed tokens -> 401 00280703', async () => {
      assertUmfError(await bankList(`Bearer ${'0'.repeat(64)}`), 401, '00280703');
      assertUmfError(await bankList('Bearer'), 401, '00280703');
      assertUmfError(await bankList('Basic Zm9vOmJhcg=='), 401, '00280703');
      assertUmfError(await raw(`${h.api}/bank`, { method: 'GET' }), 401, '00280703');
      assertUmfError(
        await raw(`${h.api}/payments/payment`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }),
        401,
        '00280703',
      );
    });

    test('an expired token -> 401 00280703; a fresh one works again', async () => {
      const m = await h.merchant();
      const token = tokenOf(await jsonCredentials(m));
      h.clock.advance(3599_000);
      opensApi(await bankList(`Bearer ${token}`), 'still valid just before expiry');
      h.clock.advance(2_000);
      assertUmfError(await bankList(`Bearer ${token}`), 401, '00280703');
      const fresh = tokenOf(await jsonCredentials(m));
      opensApi(await bankList(`Bearer ${fresh}`));
    });

    test('wrong secret -> 401 00280701; unknown client_id -> 401 00280701', async () => {
      const m = await h.merchant();
      assertUmfError(await jsonCredentials(m, 'not-the-secret'), 401, '00280701');
      assertUmfError(
        await authorize(JSON.stringify({ client_id: 'nobody', client_secret: 'x', grant_type: 'client_credentials' }), {
          'content-type': 'application/json',
        }),
        401,
        '00280701',
      );
      assertUmfError(
        await authorize(JSON.stringify({ grant_type: 'client_credentials' }), { 'content-type': 'application/json' }),
        401,
        '00280701',
      );
    });

    test('grant_type other than client_credentials -> 400 00280702', async () => {
      const m = await h.merchant();
      assertUmfError(await jsonCredentials(m, m.clientSecret, 'password'), 400, '00280702');
      assertUmfError(
        await authorize(JSON.stringify({ client_id: m.clientId, client_secret: m.clientSecret }), {
          'content-type': 'application/json',
        }),
        400,
        '00280702',
      );
    });

    test('a token body that is not JSON -> 400 00060701, never a 5xx', async () => {
      assertUmfError(await authorize('{"client_id":', { 'content-type': 'application/json' }), 400, '00060701');
      assertUmfError(await authorize('[1,2]', { 'content-type': 'application/json' }), 400, '00060701');
    });

    // The tests below call from one address (127.0.0.1): the throttle counts per address and client id
    // (test/security/auth-throttle.test.ts shows that other addresses keep working). Time stands still
    // in them, so that the first wait (1 s) cannot pass on a loaded machine before the next request.
    test('after 10 wrong secrets from one address, its next attempt, even with the right secret -> 429', async (t) => {
      t.after(h.clock.freeze());
      const m = await h.merchant();
      for (let i = 0; i < 10; i++) assertUmfError(await jsonCredentials(m, `wrong-${i}`), 401, '00280701');
      const locked = await jsonCredentials(m);
      assertUmfError(locked, 429, '00280704');
      assert.ok(Number(locked.headers.get('retry-after')) > 0, 'Retry-After is set');
      // Other merchants are not affected.
      const other = await h.merchant();
      tokenOf(await jsonCredentials(other));
    });

    test('concurrent wrong secrets are all counted: 10 at once from one address make it wait', async (t) => {
      t.after(h.clock.freeze());
      const m = await h.merchant();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => jsonCredentials(m, `wrong-${i}`)));
      for (const res of results)
        assert.ok(res.json?.meta?.ret_code === '00280701' || res.json?.meta?.ret_code === '00280704', res.text);
      assertUmfError(await jsonCredentials(m), 429, '00280704');
    });

    test(
      'a burst of 40 parallel guesses from one address gets at most 10 secrets checked: the rest are ' +
        'refused unchecked, and the right secret from that address waits too',
      async (t) => {
        t.after(h.clock.freeze());
        const m = await h.merchant();
        const results = await Promise.all(Array.from({ length: 40 }, (_, i) => jsonCredentials(m, `guess-${i}`)));
        const codes = results.map((r) => r.json?.meta?.ret_code as string);
        const checked = codes.filter((c) => c === '00280701').length;
        assert.ok(checked <= 10, `at most 10 secrets checked, ${checked} were`);
        assert.equal(
          codes.filter((c) => c === '00280704').length,
          40 - checked,
          `the others are 00280704: ${codes.join(' ')}`,
        );
        assertUmfError(await jsonCredentials(m), 429, '00280704');
        // The window passes: the right secret works again and clears the count.
        h.clock.advance(15 * 60_000 + 1000);
        tokenOf(await jsonCredentials(m));
        for (let i = 0; i < 9; i++) assertUmfError(await jsonCredentials(m, `wrong-${i}`), 401, '00280701');
        tokenOf(await jsonCredentials(m));
        assertUmfError(await jsonCredentials(m, 'wrong-after-success'), 401, '00280701');
      },
    );

    test(
      'Accept-Language: ZH, Charsert/Charset: UTF-8 and Content-Type: ' +
        'application/json on a GET without body cause no error',
      async () => {
        const m = await h.merchant();
        const token = tokenOf(await jsonCredentials(m));
        const headers = {
          'accept-language': 'ZH',
          charsert: 'UTF-8',
          charset: 'UTF-8',
          'content-type': 'application/json',
        };
        for (const path of ['/bank?type=DEBIT_CARD', '/exchange_rate?currency=USD']) {
          const res = await raw(`${h.api}${path}`, {
            method: 'GET',
            headers: { authorization: `Bearer${token}`, ...headers },
          });
          assert.equal(res.status, 200, `${path}: ${res.text}`);
          assert.equal(res.json.meta.ret_code, '0000');
          assert.ok(h.verifies(res.text), `the answer is signed: ${res.text.slice(0, 200)}`);
        }
        const missing = await raw(`${h.api}/payments/payment/PAY_NOSUCHPAYMENT`, {
          method: 'GET',
          headers: { authorization: `Bearer ${token}`, ...headers },
        });
        assertUmfError(missing, 404, '00060760');
      },
    );
  });
}
