import test, { after, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import {
  UmfApiError,
  UmfAuthenticationError,
  UmfCardError,
  UmfConflictError,
  UmfConnectionError,
  UmfError,
  UmfNotFoundError,
  UmfRateLimitError,
  UmfSignatureError,
  UmfSignatureVerificationError,
  UmfVerificationCodeError,
  UmfWaitTimeoutError,
  UmfClient,
  formatMerDate,
} from '../src/index.ts';
import type { CreatePaymentParams, UmfClientOptions } from '../src/index.ts';
import { makeTestKeys, opensslDecrypt } from './helpers/keys.ts';
import type { TestKeys } from './helpers/keys.ts';
import { CLIENT_ID, CLIENT_SECRET, PlatformDouble } from './helpers/platform.ts';
import type { RecordedRequest } from './helpers/platform.ts';

let keys: TestKeys;
let platform: PlatformDouble;

before(async () => {
  keys = makeTestKeys();
  platform = await new PlatformDouble(keys).start();
});
after(async () => {
  await platform.stop();
  keys.cleanup();
});
beforeEach(() => {
  platform.reset();
  platform.encryption = 'oaep';
  platform.tokenExpiresIn = 3600;
});

function newClient(overrides: Partial<UmfClientOptions> = {}): UmfClient {
  return new UmfClient({
    baseUrl: platform.baseUrl,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    merchantPrivateKey: keys.merchantKeyP8,
    platformCertificate: keys.platformCertDer,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...overrides,
  });
}

let orderSeq = 0;
function paymentParams(overrides: Partial<CreatePaymentParams['order']> = {}): CreatePaymentParams {
  orderSeq++;
  return {
    payer: {
      payment_method: 'CREDIT_CARD',
      bank_code: 'CCB',
      payer_info: { phone: '13800000000' },
    },
    order: {
      mer_reference_id: `ORDER${Date.now()}${orderSeq}`,
      mer_date: '20240101',
      amount: { total: '100.02', currency: 'USD' },
      order_summary: 'Tea set 茶具 🍵',
      expire_time: '360',
      sub_orders: [
        {
          mer_sub_reference_id: `SUB${orderSeq}`,
          amount: { total: '100.02', currency: 'USD' },
          trans_code: '01121990',
          is_customs: 'FALSE',
          items: [
            {
              mer_item_id: 'ITEM1',
              type: 'OTHER',
              name: 'Tea set',
              description: 'porcelain',
              quantity: '2',
              amount: { total: '50.01', currency: 'USD' },
            },
          ],
        },
      ],
      ...overrides,
    },
    notify_url: 'https://merchant.example/notify',
  };
}

const card = {
  number: '6217000010045997833',
  validDate: '3012',
  cvv2: '123',
  holderName: 'Test Holder',
  citizenIdNumber: '110101199001011234',
  phone: '13800000000',
};

const isPath = (path: string, method?: string) => (r: RecordedRequest) =>
  r.path === path && (!method || r.method === method);

test('POST: Signature verifies over the exact bytes sent; headers as specified', async () => {
  const client = newClient({ acceptLanguage: 'ZH', userAgent: 'test-shop/1.0' });
  const { payment, links } = await client.payments.create(paymentParams());
  const [rec] = platform.requestsTo('/payments/payment');
  assert.ok(rec, 'rec');
  assert.equal(rec.signatureValid, true);
  // Check again here, explicitly: SHA256withRSA over the raw UTF-8 body bytes with the merchant public key.
  assert.ok(
    verify('sha256', rec.body, keys.merchantPublicKey, Buffer.from(String(rec.headers['signature']), 'base64')),
    "verify('sha256', rec.body, keys.merchantPublicKey, Buffer.from(String(rec.headers['signature']), 'base64'))",
  );
  const body = JSON.parse(rec.body.toString('utf8'));
  assert.equal(body.order.order_summary, 'Tea set 茶具 🍵');
  assert.equal(body.payer.interface_type, 'SERVER_TO_SERVER');
  assert.equal(body.payer.business_type, 'B2C');
  assert.equal(body.order.amount.total, '100.02');
  assert.equal(body.order.sub_orders[0].items[0].quantity, '2');
  assert.equal(rec.headers['content-type'], 'application/json');
  assert.equal(rec.headers['accept-language'], 'ZH');
  assert.match(String(rec.headers['authorization']), /^Bearer tok_/);
  assert.match(String(rec.headers['idempotency-key']), /^[0-9a-f-]{36}$/);
  assert.match(String(rec.headers['user-agent']), /^umf-sdk\/\S+ node\/\S+ test-shop\/1\.0$/);
  assert.match(payment.id, /^PAY_/);
  assert.equal(payment.state, 'WAIT_BUYER_PAY');
  assert.equal(payment.order.amount.total_cny, '690.37');
  assert.deepEqual(
    links.map((l) => l.ref),
    ['self', 'sms_verify'],
  );
  // The token request is signed too and carries no Authorization / Idempotency-Key.
  const [tok] = platform.requestsTo('/oauth/authorize');
  assert.equal(tok?.signatureValid, true);
  assert.equal(tok?.headers['authorization'], undefined);
  assert.equal(tok?.headers['idempotency-key'], undefined);
  assert.deepEqual(JSON.parse(tok.body.toString()), {
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    grant_type: 'client_credentials',
  });
});

test('GET: banks and exchange rates, verified; Content-Type and Accept-Language sent, no Signature', async () => {
  const client = newClient({ acceptLanguage: 'EN', baseUrl: platform.baseUrl + '/' });
  const banks = await client.banks.list('DEBIT_CARD');
  assert.deepEqual(
    banks.map((b) => b.code),
    ['CCB', 'BOC'],
  );
  assert.deepEqual(banks[0]?.types, ['DEBIT_CARD']);
  assert.equal(banks[0]?.name_zh, '建设银行');
  const rate = await client.exchangeRates.get('usd');
  assert.deepEqual(rate, { currency: 'USD', rate: '6.9023' });
  const [bankReq] = platform.requestsTo('/bank');
  assert.equal(bankReq?.url.searchParams.get('type'), 'DEBIT_CARD');
  assert.equal(bankReq?.headers['content-type'], 'application/json');
  assert.equal(bankReq?.headers['accept-language'], 'EN');
  assert.equal(bankReq?.headers['signature'], undefined);
  assert.equal(bankReq?.headers['idempotency-key'], undefined);
  assert.equal(platform.requestsTo('/exchange_rate')[0]?.url.searchParams.get('currency'), 'USD');
});

test('exchange rates: reads exchangeRates (camelCase) when exchange_rates is absent', async () => {
  const client = newClient();
  platform.override(isPath('/exchange_rate'), {
    status: 200,
    result: { exchangeRates: [{ currency: 'EUR', rate: '7.81' }] },
  });
  assert.deepEqual(await client.exchangeRates.get('EUR'), { currency: 'EUR', rate: '7.81' });
});

test('token caching: one token for many calls', async () => {
  const client = newClient();
  for (let i = 0; i < 5; i++) await client.banks.list('CREDIT_CARD');
  await client.payments.create(paymentParams());
  assert.equal(platform.requestsTo('/oauth/authorize').length, 1);
  assert.equal(client.tokens.requestCount, 1);
  assert.equal(await client.tokens.getToken(), platform.currentToken);
});

test('token single-flight: concurrent callers share one token request', async () => {
  const client = newClient();
  platform.tokenDelayMs = 100;
  const results = await Promise.all(Array.from({ length: 10 }, () => client.banks.list('CREDIT_CARD')));
  assert.equal(results.length, 10);
  assert.equal(platform.requestsTo('/oauth/authorize').length, 1);
  // And getToken itself:
  client.tokens.invalidate();
  const tokens = await Promise.all(Array.from({ length: 5 }, () => client.tokens.getToken()));
  assert.equal(new Set(tokens).size, 1);
  assert.equal(platform.requestsTo('/oauth/authorize').length, 2);
});

test('token: refreshed shortly before it expires', async () => {
  platform.tokenExpiresIn = 1; // refresh margin 10% -> refreshed after ~900 ms
  const client = newClient();
  const first = await client.tokens.getToken();
  assert.equal(await client.tokens.getToken(), first);
  await new Promise((r) => setTimeout(r, 950));
  const second = await client.tokens.getToken();
  assert.notEqual(second, first);
  assert.equal(platform.requestsTo('/oauth/authorize').length, 2);
});

test('00280703: drop the token, fetch a new one, resend ONCE with the same body and Idempotency-Key', async () => {
  const client = newClient();
  await client.tokens.getToken();
  platform.currentToken = 'someone-else-got-a-new-token'; // our token is now disabled
  const { payment } = await client.payments.create(paymentParams());
  assert.match(payment.id, /^PAY_/);
  const creates = platform.requestsTo('/payments/payment');
  assert.equal(creates.length, 2);
  const [a, b] = creates as [RecordedRequest, RecordedRequest];
  assert.deepEqual(a.body, b.body);
  assert.equal(a.headers['idempotency-key'], b.headers['idempotency-key']);
  assert.equal(a.headers['signature'], b.headers['signature']);
  assert.notEqual(a.headers['authorization'], b.headers['authorization']);
  assert.equal(platform.requestsTo('/oauth/authorize').length, 2);
});

test('00280703 twice: no second refresh, UmfAuthenticationError', async () => {
  const client = newClient();
  platform.override(isPath('/bank'), { status: 401, retCode: '00280703', retMsg: 'token expired' }, 10);
  await assert.rejects(client.banks.list('CREDIT_CARD'), (err: unknown) => {
    assert.ok(err instanceof UmfAuthenticationError, 'err instanceof UmfAuthenticationError');
    assert.equal(err.retCode, '00280703');
    assert.equal(err.httpStatus, 401);
    return true;
  });
  assert.equal(platform.requestsTo('/bank').length, 2);
  assert.equal(platform.requestsTo('/oauth/authorize').length, 2);
});

test('00280703 under concurrency: many failing requests trigger ONE refresh', async () => {
  const client = newClient();
  await client.tokens.getToken();
  platform.currentToken = 'rotated-elsewhere';
  platform.tokenDelayMs = 50;
  await Promise.all(Array.from({ length: 8 }, () => client.banks.list('CREDIT_CARD')));
  assert.equal(platform.requestsTo('/oauth/authorize').length, 2);
});

test('00280703 arriving late (after the refresh) does not discard the NEW token', async () => {
  const client = newClient();
  await client.tokens.getToken();
  platform.currentToken = 'rotated-elsewhere';
  // The first request's 401 is slow: by the time it arrives, another request has already refreshed.
  platform.override(isPath('/bank'), { status: 401, retCode: '00280703', retMsg: 'token expired', delayMs: 150 });
  const slow = client.banks.list('CREDIT_CARD');
  slow.catch(() => {}); // still awaited below; avoids an unhandled rejection if the next call throws first
  await new Promise((r) => setTimeout(r, 20));
  await client.banks.list('CREDIT_CARD');
  await slow;
  // Dropping the fresh token would fetch a third one, which would disable the second.
  assert.equal(platform.requestsTo('/oauth/authorize').length, 2);
});

test('bad client credentials: UmfAuthenticationError 00280701, not retried', async () => {
  const client = newClient({ clientSecret: 'wrong' });
  await assert.rejects(client.banks.list('CREDIT_CARD'), (err: unknown) => {
    assert.ok(err instanceof UmfAuthenticationError, 'err instanceof UmfAuthenticationError');
    assert.equal(err.retCode, '00280701');
    assert.match(err.message, /clientSecret/);
    assert.ok(!err.message.includes('wrong'), "!err.message.includes('wrong')");
    return true;
  });
  assert.equal(platform.requestsTo('/oauth/authorize').length, 1);
  assert.equal(platform.requestsTo('/bank').length, 0);
});

test('Idempotency-Key reused across a retried 503; one payment created', async () => {
  const client = newClient();
  const before = platform.payments.size;
  platform.override(isPath('/payments/payment', 'POST'), { status: 503, rawBody: 'Service Unavailable' });
  const { payment } = await client.payments.create(paymentParams());
  const creates = platform.requestsTo('/payments/payment');
  assert.equal(creates.length, 2);
  assert.equal(creates[0]?.headers['idempotency-key'], creates[1]?.headers['idempotency-key']);
  assert.deepEqual(creates[0]?.body, creates[1]?.body);
  assert.equal(platform.payments.size, before + 1);
  assert.ok(platform.payments.has(payment.id), 'platform.payments.has(payment.id)');
});

test(
  'caller-provided Idempotency-Key is sent; the replay returns the same payment; ' +
    'reuse with another body conflicts',
  async () => {
    const client = newClient();
    const params = paymentParams();
    const first = await client.payments.create(params, { idempotencyKey: 'order-42-attempt-1' });
    const again = await client.payments.create(params, { idempotencyKey: 'order-42-attempt-1' });
    assert.equal(again.payment.id, first.payment.id);
    assert.equal(platform.requestsTo('/payments/payment')[0]?.headers['idempotency-key'], 'order-42-attempt-1');
    await assert.rejects(
      client.payments.create(paymentParams(), { idempotencyKey: 'order-42-attempt-1' }),
      (err: unknown) => {
        assert.ok(err instanceof UmfConflictError, 'err instanceof UmfConflictError');
        assert.equal(err.retCode, '00060742');
        return true;
      },
    );
    await assert.rejects(client.payments.create(params, { idempotencyKey: 'has space' }), TypeError);
  },
);

test('00060743 (same key still in flight) is retried with the same key', async () => {
  const client = newClient();
  platform.override(isPath('/payments/payment', 'POST'), { status: 409, retCode: '00060743', retMsg: 'in flight' });
  await client.payments.create(paymentParams());
  const creates = platform.requestsTo('/payments/payment');
  assert.equal(creates.length, 2);
  assert.equal(creates[0]?.headers['idempotency-key'], creates[1]?.headers['idempotency-key']);
});

test('retries: maxRetries is honoured (client option and per call)', async () => {
  const client = newClient({ maxRetries: 3 });
  platform.override(isPath('/bank'), { status: 502, rawBody: '<html>Bad Gateway</html>' }, 100);
  await assert.rejects(client.banks.list('CREDIT_CARD'), (err: unknown) => {
    assert.ok(err instanceof UmfApiError, 'err instanceof UmfApiError');
    assert.equal(err.httpStatus, 502);
    assert.equal(err.retCode, undefined);
    return true;
  });
  assert.equal(platform.requestsTo('/bank').length, 4);
  platform.reset();
  platform.override(isPath('/bank'), { status: 500, retCode: '00060999', retMsg: 'system busy' }, 100);
  await assert.rejects(client.banks.list('CREDIT_CARD', { maxRetries: 0 }), UmfApiError);
  assert.equal(platform.requestsTo('/bank').length, 1);
});

test('redirects are not followed (credentials and card data are never re-sent elsewhere)', async () => {
  const client = newClient();
  await client.tokens.getToken();
  platform.override(isPath('/bank'), {
    status: 302,
    rawBody: '',
    headers: { Location: 'https://elsewhere.example/cberest/v1/bank' },
  });
  await assert.rejects(client.banks.list('CREDIT_CARD'), (err: unknown) => {
    assert.ok(err instanceof UmfApiError, 'err instanceof UmfApiError');
    assert.equal(err.httpStatus, 302);
    assert.match(err.message, /redirect.*elsewhere\.example/);
    return true;
  });
});

test('retries: 429 with a specific code (SMS too frequent) is not retried', async () => {
  const client = newClient();
  const { payment } = await client.payments.create(paymentParams());
  const path = `/payments/payment/${payment.id}/verify`;
  platform.override(isPath(path), { status: 429, retCode: '00080706', retMsg: 'too many SMS within one minute' }, 10);
  await assert.rejects(client.payments.verifyCard(payment.id, { card }), UmfVerificationCodeError);
  assert.equal(platform.requestsTo(path).length, 1);
});

test('retries: client errors (4xx) are not retried', async () => {
  const client = newClient();
  platform.override(isPath('/bank'), { status: 400, retCode: '00060700', retMsg: 'bad parameter' }, 100);
  await assert.rejects(client.banks.list('CREDIT_CARD'));
  assert.equal(platform.requestsTo('/bank').length, 1);
});

test('retries: Retry-After is honoured; 429 surfaces as UmfRateLimitError', async () => {
  const client = newClient();
  platform.override(isPath('/bank'), {
    status: 429,
    retCode: '99999999',
    retMsg: 'slow down',
    headers: { 'Retry-After': '1' },
  });
  const t0 = Date.now();
  await client.banks.list('CREDIT_CARD');
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= 950, `waited ${elapsed} ms`);
  assert.equal(platform.requestsTo('/bank').length, 2);

  platform.reset();
  platform.override(
    isPath('/bank'),
    { status: 429, rawBody: 'Too Many Requests', headers: { 'Retry-After': '7' } },
    10,
  );
  await assert.rejects(client.banks.list('CREDIT_CARD', { maxRetries: 0 }), (err: unknown) => {
    assert.ok(err instanceof UmfRateLimitError, 'err instanceof UmfRateLimitError');
    assert.equal(err.retryAfterMs, 7000);
    return true;
  });
});

test('response tampering: UmfSignatureVerificationError, not retried', async () => {
  const client = newClient();
  await client.tokens.getToken();
  platform.tamper = (body) => body.replace('6.9023', '1.0000');
  await assert.rejects(client.exchangeRates.get('USD'), (err: unknown) => {
    assert.ok(err instanceof UmfSignatureVerificationError, 'err instanceof UmfSignatureVerificationError');
    assert.match(err.message, /platformCertificate/);
    assert.match(err.message, /proxy/);
    assert.equal(err.httpStatus, 200);
    assert.match(String(err.requestId), /^req_/);
    return true;
  });
  assert.equal(platform.requestsTo('/exchange_rate').length, 1);
});

test('response with a prepended unsigned member is rejected', async () => {
  const client = newClient();
  await client.tokens.getToken();
  platform.tamper = (body) => body.replace('{"meta":', '{"payment":{"id":"PAY_FAKE","state":"TRADE_SUCCESS"},"meta":');
  await assert.rejects(client.banks.list('CREDIT_CARD'), UmfSignatureVerificationError);
});

test('wrong platform certificate: UmfSignatureVerificationError', async () => {
  const other = makeTestKeys();
  try {
    const client = newClient({ platformCertificate: other.platformCertPem });
    await assert.rejects(client.banks.list('CREDIT_CARD'), UmfSignatureVerificationError);
  } finally {
    other.cleanup();
  }
});

test('the platform rejects our signature (wrong merchant key): UmfSignatureError explains the fix', async () => {
  const wrongKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const client = newClient({ merchantPrivateKey: wrongKey.export({ format: 'pem', type: 'pkcs8' }).toString() });
  await assert.rejects(client.banks.list('CREDIT_CARD'), (err: unknown) => {
    assert.ok(err instanceof UmfSignatureError, 'err instanceof UmfSignatureError');
    assert.equal(err.retCode, '00060710');
    assert.match(err.message, /merchantPrivateKey/);
    return true;
  });
});

test('typed errors from real responses: not found, duplicate order, wrong SMS code, card declined', async () => {
  const client = newClient();
  await assert.rejects(client.payments.get('PAY_DOES_NOT_EXIST'), UmfNotFoundError);
  const params = paymentParams();
  const { payment } = await client.payments.create(params);
  await assert.rejects(client.payments.create(params), (err: unknown) => {
    assert.ok(err instanceof UmfConflictError, 'err instanceof UmfConflictError');
    assert.equal(err.retCode, '00060741');
    assert.equal(err.httpStatus, 409);
    return true;
  });
  await client.payments.verifyCard(payment.id, { card });
  await assert.rejects(client.payments.execute(payment.id, '000000'), UmfVerificationCodeError);
  const { payment: p2 } = await client.payments.create(paymentParams());
  const declinedNumber = '6217000010045990004';
  await assert.rejects(
    client.payments.verifyCard(p2.id, { card: { ...card, number: declinedNumber } }),
    (err: unknown) => {
      assert.ok(err instanceof UmfCardError, 'err instanceof UmfCardError');
      assert.equal(err.retCode, '00200025');
      // No card data in the error, whichever way it is logged.
      const everything = [err.message, err.rawBody, JSON.stringify(err), inspect(err)].join('\n');
      assert.ok(!everything.includes(declinedNumber), '!everything.includes(declinedNumber)');
      assert.ok(!everything.includes(card.citizenIdNumber), '!everything.includes(card.citizenIdNumber)');
      return true;
    },
  );
});

test('timeouts: UmfConnectionError (timedOut), retried per maxRetries', async () => {
  const client = newClient({ timeoutMs: 150, maxRetries: 1 });
  await client.tokens.getToken();
  platform.override(isPath('/bank'), { status: 200, hang: true }, 10);
  await assert.rejects(client.banks.list('CREDIT_CARD'), (err: unknown) => {
    assert.ok(err instanceof UmfConnectionError, 'err instanceof UmfConnectionError');
    assert.equal(err.timedOut, true);
    return true;
  });
  assert.equal(platform.requestsTo('/bank').length, 2);
});

test('network errors: UmfConnectionError; a dropped connection is retried', async () => {
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const { port } = dead.address() as AddressInfo;
  await new Promise<void>((r) => dead.close(() => r()));
  const client = newClient({ baseUrl: `http://127.0.0.1:${port}/cberest/v1`, maxRetries: 1 });
  await assert.rejects(client.banks.list('CREDIT_CARD'), (err: unknown) => {
    assert.ok(err instanceof UmfConnectionError, 'err instanceof UmfConnectionError');
    assert.equal(err.timedOut, false);
    assert.match(err.message, /ECONNREFUSED/);
    return true;
  });

  const ok = newClient();
  platform.override(isPath('/bank'), { status: 200, destroy: true });
  assert.equal((await ok.banks.list('CREDIT_CARD')).length, 2);
  assert.equal(platform.requestsTo('/bank').length, 2);
});

test('caller abort: rejects with the abort reason, no retries', async () => {
  const client = newClient();
  await client.tokens.getToken();
  platform.override(isPath('/bank'), { status: 200, hang: true }, 10);
  const controller = new AbortController();
  const p = client.banks.list('CREDIT_CARD', { signal: controller.signal });
  setTimeout(() => controller.abort(new Error('user navigated away')), 50);
  await assert.rejects(p, /user navigated away/);
  assert.equal(platform.requestsTo('/bank').length, 1);
});

test('card flow: create -> verifyCard (OAEP, server decrypts) -> execute -> get -> waitFor', async () => {
  const client = newClient();
  const created = await client.payments.create(paymentParams());
  const id = created.payment.id;
  const verified = await client.payments.verifyCard(id, { card });
  assert.deepEqual(
    verified.links.map((l) => l.ref),
    ['self', 'confirm'],
  );
  assert.deepEqual(platform.lastVerifyPlaintexts, {
    number: card.number,
    valid_date: card.validDate,
    cvv2: card.cvv2,
    payer_name: card.holderName,
    citizen_id_number: card.citizenIdNumber,
  });
  const body = platform.lastVerifyBody as any;
  assert.equal(body.payer.payer_info.phone, '13800000000');
  assert.equal(body.payer.payer_info.bank_card.phone, '13800000000');
  assert.equal(body.payer.payer_info.bank_card.citizen_id_type, 'IDENTITY_CARD');
  // No plaintext card data on the wire.
  const wire = platform.requestsTo(`/payments/payment/${id}/verify`)[0]!.body.toString();
  for (const secret of [card.number, '"cvv2":"123"', '"valid_date":"3012"', card.holderName, card.citizenIdNumber]) {
    assert.ok(!wire.includes(secret), `wire contains ${secret}`);
  }
  const executed = await client.payments.execute(id, '123456');
  assert.equal(executed.payment.state, 'TRADE_SUCCESS');
  const execBody = JSON.parse(platform.requestsTo(`/payments/payment/${id}/execute`)[0]!.body.toString());
  assert.deepEqual(execBody, {
    payer: { payer_info: { verify_code: '123456', bank_card: { verify_code: '123456' } } },
  });
  const got = await client.payments.get(id);
  assert.equal(got.payment.state, 'TRADE_SUCCESS');
  assert.equal(got.links[0]?.ref, 'self', 'falls back to payment.links');
  const final = await client.payments.waitFor(id, ['TRADE_SUCCESS', 'TRADE_FAIL'], { intervalMs: 10 });
  assert.equal(final.id, id);
});

test('verifyCard in pkcs1 mode: fields decrypt with openssl (PKCS#1 v1.5)', async () => {
  platform.encryption = 'pkcs1';
  const client = newClient({ encryption: 'pkcs1' });
  const { payment } = await client.payments.create(paymentParams());
  await client.payments.verifyCard(payment.id, { card });
  const ct = platform.lastVerifyCiphertexts;
  assert.equal(opensslDecrypt(keys, ct.number!, 'pkcs1'), card.number);
  assert.equal(opensslDecrypt(keys, ct.cvv2!, 'pkcs1'), card.cvv2);
  assert.equal(opensslDecrypt(keys, ct.payer_name!, 'pkcs1'), card.holderName);
  assert.equal(opensslDecrypt(keys, ct.citizen_id_number!, 'pkcs1'), card.citizenIdNumber);
  assert.equal(opensslDecrypt(keys, ct.valid_date!, 'pkcs1'), card.validDate);
});

test('create with plaintext bank_card and payer name: the SDK encrypts them', async () => {
  const client = newClient();
  const params = paymentParams();
  params.payer.payer_info = {
    phone: '13800000000',
    name: 'Payer Name',
    bank_card: { number: card.number, phone: '13800000000' },
  };
  await client.payments.create(params);
  const body = JSON.parse(platform.requestsTo('/payments/payment')[0]!.body.toString());
  assert.equal(opensslDecrypt(keys, body.payer.payer_info.name, 'oaep'), 'Payer Name');
  assert.equal(opensslDecrypt(keys, body.payer.payer_info.bank_card.number, 'oaep'), card.number);
  assert.equal(body.payer.payer_info.bank_card.phone, '13800000000');
  assert.equal(body.payer.payer_info.phone, '13800000000');
});

test('verifyAgreement sends the payer agreement in clear', async () => {
  const client = newClient();
  const { payment } = await client.payments.create(paymentParams());
  await client.payments.verifyAgreement(payment.id, {
    usrBusiAgreementId: 'UB2024',
    usrPayAgreementId: 'P2024',
    phone: '13800000000',
  });
  assert.deepEqual(platform.lastVerifyBody, {
    payer: {
      payer_info: {
        phone: '13800000000',
        payer_agreement: { usr_busi_agreement_id: 'UB2024', usr_pay_agreement_id: 'P2024' },
      },
    },
  });
});

test('a signed response about another payment is refused', async () => {
  const client = newClient();
  const { payment: a } = await client.payments.create(paymentParams());
  const { payment: b } = await client.payments.create(paymentParams());
  platform.override(isPath(`/payments/payment/${a.id}`, 'GET'), {
    status: 200,
    result: { payment: platform.payments.get(b.id)! },
  });
  await assert.rejects(
    client.payments.get(a.id),
    (err: unknown) => err instanceof UmfApiError && /not PAY_/.test(err.message),
  );
});

test('waitFor: predicate, and UmfWaitTimeoutError with the last payment', async () => {
  const client = newClient();
  const { payment } = await client.payments.create(paymentParams());
  const p = await client.payments.waitFor(payment.id, (x) => x.state === 'WAIT_BUYER_PAY', { intervalMs: 5 });
  assert.equal(p.id, payment.id);
  await assert.rejects(
    client.payments.waitFor(payment.id, 'TRADE_SUCCESS', { timeoutMs: 60, intervalMs: 20 }),
    (err: unknown) => {
      assert.ok(err instanceof UmfWaitTimeoutError, 'err instanceof UmfWaitTimeoutError');
      assert.equal((err.lastPayment as { state: string }).state, 'WAIT_BUYER_PAY');
      return true;
    },
  );
  assert.ok(
    platform.requestsTo(`/payments/payment/${payment.id}`).length >= 3,
    'platform.requestsTo(`/payments/payment/${payment.id}`).length >= 3',
  );
});

test('client-side validation: amounts must be decimal strings; nothing is sent', async () => {
  const client = newClient();
  const bad = paymentParams();
  (bad.order.amount as { total: unknown }).total = 100.02;
  await assert.rejects(client.payments.create(bad), /decimal STRING/);
  const bad2 = paymentParams();
  bad2.order.sub_orders[0]!.items![0]!.quantity = 2 as unknown as string;
  await assert.rejects(client.payments.create(bad2), /quantity/);
  await assert.rejects(client.payments.execute('PAY_1', ''), /verifyCode/);
  await assert.rejects(client.payments.get(''), /paymentId/);
  assert.equal(platform.requests.length, 0);
});

test('formatMerDate: YYYYMMDD in UTC+8 by default', () => {
  assert.equal(formatMerDate(new Date('2024-01-01T15:59:59Z')), '20240101');
  assert.equal(formatMerDate(new Date('2024-01-01T16:00:00Z')), '20240102');
  assert.equal(formatMerDate(new Date('2024-01-01T16:00:00Z'), 0), '20240101');
  assert.match(formatMerDate(), /^\d{8}$/);
});

test('client.request: low-level signed call to any path', async () => {
  const client = newClient();
  const res = await client.request('GET', '/exchange_rate', { query: { currency: 'JPY' } });
  assert.equal(res.meta.ret_code, '0000');
  assert.deepEqual(res.data.exchange_rates, [{ currency: 'JPY', rate: '6.9023' }]);
});

test('secrets never show in JSON.stringify or util.inspect', async () => {
  const client = newClient({ merchantPrivateKey: keys.merchantKeyPem });
  const token = await client.tokens.getToken();
  const plain: unknown = client; // String() of it too, as a logger would: in case a toString is ever added
  const dumps = [
    JSON.stringify(client),
    inspect(client, { showHidden: true, depth: Infinity }),
    inspect(client.tokens, { showHidden: true, depth: Infinity }),
    JSON.stringify(client.tokens),
    inspect(client.payments, { showHidden: true, depth: Infinity }),
    inspect(client.banks, { showHidden: true, depth: Infinity }),
    String(plain),
  ].join('\n');
  assert.ok(!dumps.includes(CLIENT_SECRET), 'client secret');
  assert.ok(!dumps.includes(token), 'token');
  assert.ok(!dumps.includes('PRIVATE KEY'), 'private key');
  const keyBody = keys.merchantKeyPem.split('\n')[1]!;
  assert.ok(!dumps.includes(keyBody), 'private key body');
  assert.match(JSON.stringify(client), /"clientId":"test-client"/);
});

test('options validation', () => {
  const base = {
    baseUrl: platform.baseUrl,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    merchantPrivateKey: keys.merchantKeyP8,
    platformCertificate: keys.platformCertPem,
  };
  assert.throws(() => new UmfClient({ ...base, baseUrl: 'not a url' }), /baseUrl/);
  assert.throws(() => new UmfClient({ ...base, clientSecret: '' }), /clientSecret/);
  assert.throws(() => new UmfClient({ ...base, encryption: 'rsa' as never }), /oaep/);
  assert.throws(() => new UmfClient({ ...base, maxRetries: -1 }), /maxRetries/);
  assert.throws(() => new UmfClient({ ...base, merchantPrivateKey: 'merchant.key.p8' }), /file path/);
  assert.ok(new UmfClient(base) instanceof UmfClient, 'new UmfClient(base) instanceof UmfClient');
  assert.ok(new UmfError('x') instanceof Error, "new UmfError('x') instanceof Error");
});

test('injectable fetch: every request goes through it', async () => {
  const seen: string[] = [];
  const client = newClient({
    fetch: (url, init) => {
      seen.push(`${init.method} ${new URL(url).pathname}`);
      return fetch(url, init);
    },
  });
  await client.banks.list('CREDIT_CARD');
  assert.deepEqual(seen, ['POST /cberest/v1/oauth/authorize', 'GET /cberest/v1/bank']);
});
