/**
 * End to end, the way a merchant runs it: the merchant SDK (umf-sdk, UmfClient) configured like a real
 * client (PKCS#8 DER private key, platform certificate PEM or DER) talks to a real gateway over HTTP,
 * and a real local merchant server (helpers/merchant-server.ts) receives the notifications and
 * verifies them with the SDK. Bank card flow, every sandbox test card, payer agreements, tokens,
 * signatures, ownership, duplicates, idempotency, notification retries and expiry; on SQLite and
 * PostgreSQL.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, type KeyObject } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  UmfClient,
  UmfCardError,
  UmfConflictError,
  UmfError,
  UmfNotFoundError,
  UmfSignatureError,
  RetCodes,
  formatMerDate,
  loadPublicKey,
  verifyNotification,
  verifyResponseBody,
  type CreatePaymentParams,
  type FetchLike,
  type Payment,
} from 'umf-sdk';

import { startHarness, type Harness, type TestMerchant, expectedCny } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { sdkClient } from '../helpers/sdk-client.ts';
import { startMerchantServer, type Delivery, type MerchantServer } from '../helpers/merchant-server.ts';

const PHONE = '13800138000';
const CITIZEN_ID = '11010519491231002X';
type Method = 'CREDIT_CARD' | 'DEBIT_CARD';

const CARDS = {
  CREDIT_CARD: {
    ok: '6225760000040001',
    declined: '6225760000030002',
    expired: '6225760000020003',
    incorrect: '6225760000010004',
    late: '6225760000000005',
    luhn: '6225760000040002',
  },
  DEBIT_CARD: {
    ok: '6217000010000020001',
    declined: '6217000010000010002',
    expired: '6217000010000000003',
    incorrect: '6217000010000090004',
    late: '6217000010000080005',
    luhn: '6217000010000020002',
  },
} as const;
const DEMO_SHOP_DEBIT = '6217000010045997833';

let seq = 0;
const ref = (label: string): string =>
  `E2E${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase().replace(/[^A-Z0-9]/g, '');

/** Runs `fn`, which must throw a UmfError of class `cls` with `retCode`; returns the error. */
async function rejectsWith<E extends UmfError>(
  fn: () => Promise<unknown>,
  cls: new (...args: any[]) => E,
  retCode: string,
): Promise<E> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected ${cls.name} ${retCode}, but the call succeeded`);
  assert.ok(
    caught instanceof cls,
    `expected ${cls.name} ${retCode}, got ${(caught as Error)?.name}: ${(caught as Error)?.message}`,
  );
  assert.equal(caught.retCode, retCode, caught.message);
  assert.ok(typeof caught.retMsg === 'string' && caught.retMsg.length > 0, `retMsg is set: ${caught.message}`);
  assert.ok(
    caught.rawBody !== undefined && caught.rawBody.includes(retCode),
    `rawBody carries the code: ${caught.rawBody}`,
  );
  return caught;
}

for (const kind of testDatabaseUrls()) {
  describe(`SDK card flow end to end (${kind.name})`, () => {
    let h: Harness;
    let shop: MerchantServer;
    let certPem: string;
    let oaepShop: TestMerchant;
    let pkcs1Shop: TestMerchant;
    let oaepClient: UmfClient;
    let startedAt = Date.now();

    function clientFor(
      m: TestMerchant,
      options: { certificate?: 'pem' | 'der'; privateKey?: KeyObject; fetch?: FetchLike } = {},
    ): UmfClient {
      return sdkClient(h, m, {
        platformCertificate: options.certificate === 'der' ? h.platformCert.raw : certPem,
        acceptLanguage: 'EN',
        ...(options.privateKey
          ? { merchantPrivateKey: options.privateKey.export({ type: 'pkcs8', format: 'der' }) }
          : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
    }

    /** A USD order like the reference's sample: two sub-orders, items that add up. */
    function order(
      id: string,
      method: Method = 'CREDIT_CARD',
      overrides: Partial<CreatePaymentParams['order']> = {},
    ): CreatePaymentParams {
      return {
        payer: { payment_method: method, bank_code: 'ICBC', payer_info: { phone: PHONE } },
        order: {
          mer_reference_id: id,
          mer_date: formatMerDate(new Date(h.clock.now())),
          amount: { total: '100.02', currency: 'USD' },
          order_summary: 'Two T-shirts and a cap',
          expire_time: '360',
          sub_orders: [
            {
              mer_sub_reference_id: `${id}-1`,
              amount: { total: '50.02', currency: 'USD' },
              trans_code: '01121990',
              is_customs: 'TRUE',
              items: [
                {
                  mer_item_id: 'tee',
                  type: 'CLOTHING',
                  name: 'T-shirt',
                  description: 'Cotton T-shirt',
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
            { mer_sub_reference_id: `${id}-2`, amount: { total: '50.00', currency: 'USD' }, trans_code: '01122030' },
          ],
          ...overrides,
        },
        notify_url: shop.notifyUrl,
      };
    }

    function card(number: string, method: Method, holderName = 'Test Holder') {
      return {
        number,
        ...(method === 'CREDIT_CARD' ? { validDate: '3012', cvv2: '123' } : {}),
        holderName,
        citizenIdNumber: CITIZEN_ID,
        phone: PHONE,
      };
    }

    /** The SMS code the sandbox "sent" for this payment (the newest). */
    async function smsCode(paymentId: string, phone = PHONE): Promise<string> {
      const res = await fetch(`${h.baseUrl}/sandbox/sms?phone=${phone}&limit=500`);
      assert.equal(res.status, 200, 'sandbox SMS inbox');
      const body = (await res.json()) as {
        messages: Array<{ phone: string; code: string; payment_id: string; sent_at: string }>;
      };
      const mine = body.messages.filter((m) => m.payment_id === paymentId);
      assert.equal(mine.length, 1, `one SMS for ${paymentId}: ${JSON.stringify(mine)}`);
      assert.equal(mine[0]!.phone, phone);
      assert.match(mine[0]!.code, /^\d{6}$/);
      return mine[0]!.code;
    }

    async function created(client: UmfClient, params: CreatePaymentParams): Promise<Payment> {
      const { payment, links, meta } = await client.payments.create(params);
      assert.equal(meta.ret_code, '0000');
      assert.match(payment.id, /^PAY_[A-Z0-9]+$/);
      assert.equal(payment.state, 'WAIT_BUYER_PAY');
      assert.equal(payment.order.mer_reference_id, params.order.mer_reference_id);
      assert.deepEqual(
        links.map((l) => [l.rel, l.method, l.href]),
        [
          ['self', 'GET', `${h.api}/payments/payment/${payment.id}`],
          ['sms_verify', 'POST', `${h.api}/payments/payment/${payment.id}/verify`],
        ],
      );
      return payment;
    }

    /** create -> verifyCard -> SMS; returns the payment id and code. */
    async function readyToExecute(
      client: UmfClient,
      method: Method,
      number: string,
      holderName?: string,
    ): Promise<{ id: string; code: string }> {
      const payment = await created(client, order(ref('R'), method));
      const v = await client.payments.verifyCard(payment.id, { card: card(number, method, holderName) });
      assert.equal(v.payment.state, 'WAIT_BUYER_PAY');
      assert.deepEqual(
        v.links.map((l) => l.rel),
        ['self', 'confirm'],
      );
      assert.equal(v.links[1]!.href, `${h.api}/payments/payment/${payment.id}/execute`);
      assert.ok(!JSON.stringify(v.payment).includes(number), 'the card number is never echoed');
      return { id: payment.id, code: await smsCode(payment.id) };
    }

    /** The notification for a payment reached the merchant, verified, with this state. */
    async function notified(paymentId: string, state: string): Promise<Delivery> {
      const d = await shop.waitForPayment(paymentId, { state, timeoutMs: 10_000 });
      assert.ok(d.event?.type === 'payment', 'a payment notification');
      assert.equal(d.event.payment.id, paymentId);
      assert.equal(d.event.payment.state, state);
      assert.equal(d.verifyError, undefined);
      // Independently: the signature header verifies over the raw body with the platform certificate (DER too).
      const again = verifyNotification({
        rawBody: Buffer.from(d.rawBody, 'utf8'),
        signature: d.signature,
        platformCertificate: new X509Certificate(certPem).raw,
      });
      assert.equal(again.type, 'payment');
      assert.equal(d.answeredStatus, 200);
      return d;
    }

    async function outboxFor(paymentId: string) {
      return h.gateway.context.db
        .selectFrom('outbox')
        .selectAll()
        .where('object_id', '=', paymentId)
        .orderBy('created_at')
        .execute();
    }

    async function attemptsOf(outboxId: string) {
      return h.gateway.context.db
        .selectFrom('notification_attempts')
        .selectAll()
        .where('outbox_id', '=', outboxId)
        .orderBy('attempt')
        .execute();
    }

    before(async () => {
      startedAt = Date.now();
      h = await startHarness(kind, { lateBankDelayMs: 400 });
      certPem = h.platformCert.toString();
      assert.ok(certPem.includes('BEGIN CERTIFICATE'), 'harness certificate as PEM');
      shop = await startMerchantServer(certPem);
      oaepShop = await h.merchant({ name: 'E2E OAEP Shop', encryption: 'oaep' });
      pkcs1Shop = await h.merchant({ name: 'E2E Java Shop', encryption: 'pkcs1' });
      oaepClient = clientFor(oaepShop);
    });

    after(async () => {
      await shop?.close();
      await h?.close();
      console.log(`# e2e ${kind.name}: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    });

    // ---- 1. happy path, per encryption mode ----------------------------------------------------

    for (const encryption of ['oaep', 'pkcs1'] as const) {
      test(
        `happy path (${encryption}): banks, rate, create, verifyCard, SMS, execute, notification, ` +
          'payer agreement reuse',
        async () => {
          const m = encryption === 'oaep' ? oaepShop : pkcs1Shop;
          assert.equal(m.encryption, encryption);
          // The pkcs1 (Java-style) merchant loads the certificate as DER.
          const client = encryption === 'oaep' ? oaepClient : clientFor(m, { certificate: 'der' });

          const banks = await client.banks.list('CREDIT_CARD');
          assert.equal(banks.length, 64, 'the reference lists 64 credit card banks');
          const icbc = banks.find((b) => b.code === 'ICBC');
          assert.ok(icbc, `ICBC in ${banks.map((b) => b.code).join(',')}`);
          assert.equal(icbc.name, 'Industrial and Commercial Bank of China');
          assert.ok(icbc.types.includes('CREDIT_CARD'), `ICBC types: ${JSON.stringify(icbc.types)}`);

          const usd = await client.exchangeRates.get('USD');
          assert.equal(usd.currency, 'USD');
          assert.match(usd.rate, /^\d+\.\d+$/);

          const id = ref('HAPPY');
          const params = order(id);
          const payment = await created(client, params);
          assert.equal(payment.payer?.payment_method, 'CREDIT_CARD');
          assert.equal(payment.order.amount.total, '100.02');
          assert.equal(payment.order.amount.currency, 'USD');
          assert.equal(payment.order.amount.exchange_rate?.rate, usd.rate);
          assert.equal(payment.order.amount.total_cny, expectedCny('100.02', usd.rate));
          assert.equal(payment.order.sub_orders?.length, 2);
          assert.equal(payment.order.sub_orders?.[0]?.items?.length, 2);
          assert.equal(payment.notify_url, shop.notifyUrl);

          // Chinese characters in the holder name for the Java-style client.
          const holder = encryption === 'pkcs1' ? '张三' : 'Zhang San';
          const v = await client.payments.verifyCard(payment.id, {
            card: card(CARDS.CREDIT_CARD.ok, 'CREDIT_CARD', holder),
          });
          assert.equal(v.payment.id, payment.id);
          assert.equal(v.payment.state, 'WAIT_BUYER_PAY');
          assert.deepEqual(
            v.links.map((l) => l.rel),
            ['self', 'confirm'],
          );
          const code = await smsCode(payment.id);

          const executed = await client.payments.execute(payment.id, code);
          assert.equal(executed.payment.id, payment.id);
          assert.equal(executed.payment.state, 'TRADE_SUCCESS');
          assert.ok(executed.payment.execute_success_time, 'execute_success_time is set');
          assert.match(
            executed.payment.execute_success_time,
            /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/,
            'execute_success_time in China time',
          );
          assert.equal(executed.payment.error, undefined);

          const got = await client.payments.get(payment.id);
          assert.equal(got.payment.state, 'TRADE_SUCCESS');
          assert.equal(got.links[0]?.rel, 'self');
          const agreement = got.payment.payer?.payer_info?.payer_agreement;
          assert.ok(agreement, `a payer agreement: ${JSON.stringify(got.payment.payer)}`);
          assert.equal(agreement.last_four_cardid, '0001');
          assert.match(agreement.usr_pay_agreement_id, /\S/);
          assert.match(agreement.usr_busi_agreement_id, /\S/);
          assert.ok(!JSON.stringify(got.payment).includes(CARDS.CREDIT_CARD.ok), 'no card number in the payment');

          const n = await notified(payment.id, 'TRADE_SUCCESS');
          if (n.event?.type !== 'payment') throw new Error('unreachable');
          assert.equal(n.event.payment.order.mer_reference_id, id);
          assert.equal(n.event.payment.order.amount.total_cny, payment.order.amount.total_cny);
          assert.deepEqual(n.event.payment.payer?.payer_info?.payer_agreement, agreement);

          // A returning card: a second payment with the agreement, no card data.
          const second = await created(client, order(ref('AGR')));
          const va = await client.payments.verifyAgreement(second.id, {
            usrBusiAgreementId: agreement.usr_busi_agreement_id,
            usrPayAgreementId: agreement.usr_pay_agreement_id,
            phone: PHONE,
          });
          assert.equal(va.payment.state, 'WAIT_BUYER_PAY');
          assert.equal(va.links[1]?.rel, 'confirm');
          const done = await client.payments.execute(second.id, await smsCode(second.id));
          assert.equal(done.payment.state, 'TRADE_SUCCESS');
          assert.equal(
            done.payment.payer?.payer_info?.payer_agreement?.usr_pay_agreement_id,
            agreement.usr_pay_agreement_id,
          );
          const n2 = await notified(second.id, 'TRADE_SUCCESS');
          if (n2.event?.type !== 'payment') throw new Error('unreachable');
          assert.equal(
            n2.event.payment.payer?.payer_info?.payer_agreement?.usr_pay_agreement_id,
            agreement.usr_pay_agreement_id,
          );
        },
      );
    }

    // ---- 2. one test per test card outcome, credit and debit ----------------------------------

    for (const method of ['CREDIT_CARD', 'DEBIT_CARD'] as const) {
      const cards = CARDS[method];

      test(
        `${method} ${cards.declined} (0002): ` +
          'execute answers TRADE_FAIL 00060730 and a TRADE_FAIL notification arrives',
        async () => {
          const { id, code } = await readyToExecute(oaepClient, method, cards.declined);
          const res = await oaepClient.payments.execute(id, code);
          assert.equal(res.payment.state, 'TRADE_FAIL');
          assert.equal(res.payment.error?.ret_code, RetCodes.INSUFFICIENT_BALANCE);
          assert.ok((res.payment.error?.ret_msg ?? '').length > 0, 'error.ret_msg is set');
          assert.equal(res.payment.payer?.payer_info?.payer_agreement, undefined, 'no agreement for a declined card');
          const n = await notified(id, 'TRADE_FAIL');
          if (n.event?.type !== 'payment') throw new Error('unreachable');
          assert.equal(n.event.payment.error?.ret_code, '00060730');
          assert.equal((await oaepClient.payments.get(id)).payment.state, 'TRADE_FAIL');
        },
      );

      test(`${method} ${cards.expired} (0003): verifyCard throws UmfCardError 00200026`, async () => {
        const payment = await created(oaepClient, order(ref('EXP'), method));
        const err = await rejectsWith(
          () => oaepClient.payments.verifyCard(payment.id, { card: card(cards.expired, method) }),
          UmfCardError,
          RetCodes.CARD_EXPIRED,
        );
        assert.equal(err.httpStatus, 402);
        assert.equal((await oaepClient.payments.get(payment.id)).payment.state, 'WAIT_BUYER_PAY');
      });

      test(`${method} ${cards.incorrect} (0004): verifyCard throws UmfCardError 00200025`, async () => {
        const payment = await created(oaepClient, order(ref('INC'), method));
        await rejectsWith(
          () => oaepClient.payments.verifyCard(payment.id, { card: card(cards.incorrect, method) }),
          UmfCardError,
          RetCodes.CARD_INFO_INCORRECT,
        );
      });

      test(
        `${method} ${cards.late} (0005): execute answers WAIT_BUYER_PAY, ` + 'then TRADE_SUCCESS and its notification',
        async () => {
          const { id, code } = await readyToExecute(oaepClient, method, cards.late);
          const res = await oaepClient.payments.execute(id, code);
          assert.equal(res.payment.state, 'WAIT_BUYER_PAY', 'the bank has not answered yet');
          assert.deepEqual(
            res.links.map((l) => l.rel),
            ['self'],
          );
          const final = await oaepClient.payments.waitFor(id, ['TRADE_SUCCESS', 'TRADE_FAIL', 'TRADE_CLOSED'], {
            timeoutMs: 10_000,
            intervalMs: 100,
          });
          assert.equal(final.state, 'TRADE_SUCCESS');
          assert.ok(final.execute_success_time, 'execute_success_time is set');
          assert.match(
            final.execute_success_time,
            /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/,
            'execute_success_time in China time',
          );
          await notified(id, 'TRADE_SUCCESS');
        },
      );

      test(`${method} ${cards.luhn} (Luhn-invalid): verifyCard throws UmfCardError 00060875`, async () => {
        const payment = await created(oaepClient, order(ref('LUHN'), method));
        await rejectsWith(
          () => oaepClient.payments.verifyCard(payment.id, { card: card(cards.luhn, method) }),
          UmfCardError,
          RetCodes.CARD_BIN_INVALID,
        );
      });
    }

    test(`the demo shop's debit card ${DEMO_SHOP_DEBIT} pays a DEBIT_CARD payment`, async () => {
      const { id, code } = await readyToExecute(oaepClient, 'DEBIT_CARD', DEMO_SHOP_DEBIT);
      const res = await oaepClient.payments.execute(id, code);
      assert.equal(res.payment.state, 'TRADE_SUCCESS');
      assert.equal(res.payment.payer?.payment_method, 'DEBIT_CARD');
      assert.equal(res.payment.payer?.payer_info?.payer_agreement?.last_four_cardid, '7833');
      await notified(id, 'TRADE_SUCCESS');
    });

    // ---- 3. bad signature -------------------------------------------------------------------------

    test("a client signing with another merchant's private key: create throws UmfSignatureError 00060710", async () => {
      const other = await h.merchant({ name: 'E2E Other Key Shop' });
      const victim = await h.merchant({ name: 'E2E Signature Shop' });
      const wrong = clientFor(victim, { privateKey: other.privateKey });
      const id = ref('SIG');
      const err = await rejectsWith(
        () => wrong.payments.create(order(id)),
        UmfSignatureError,
        RetCodes.BAD_REQUEST_SIGNATURE,
      );
      assert.equal(err.httpStatus, 401);
      const rows = await h.gateway.context.db
        .selectFrom('payments')
        .select('id')
        .where('mer_reference_id', '=', id)
        .execute();
      assert.equal(rows.length, 0, 'nothing was created');
      // The right key works.
      const right = clientFor(victim);
      await created(right, order(id));
    });

    // ---- 4. expired token ---------------------------------------------------------------------------

    test(
      'an expired token is refreshed transparently (00280703 -> new token -> retry once); ' +
        'the old token gets 401 00280703',
      async () => {
        const m = await h.merchant({ name: 'E2E Token Shop' });
        const tokenCalls: string[] = [];
        const expiredAnswers: string[] = [];
        const counting: FetchLike = async (url, init) => {
          if (url.endsWith('/oauth/authorize')) tokenCalls.push(url);
          const res = await fetch(url, init);
          if (res.status === 401) expiredAnswers.push(await res.clone().text());
          return res;
        };
        const client = clientFor(m, { fetch: counting });
        const first = await client.exchangeRates.get('USD');
        assert.equal(first.currency, 'USD');
        assert.equal(tokenCalls.length, 1, 'one token request');
        const oldToken = await client.tokens.getToken();
        assert.equal(tokenCalls.length, 1, 'the token is cached');

        h.clock.advance(3601_000);

        const payment = await created(client, order(ref('TOK')));
        assert.equal(tokenCalls.length, 2, `two token requests: ${tokenCalls.length}`);
        assert.equal(client.tokens.requestCount, 2);
        assert.equal(expiredAnswers.length, 1, `one 401 answer: ${expiredAnswers.join('\n')}`);
        assert.equal(JSON.parse(expiredAnswers[0]!).meta.ret_code, '00280703');
        const newToken = await client.tokens.getToken();
        assert.notEqual(newToken, oldToken);

        const raw = await fetch(`${h.api}/payments/payment/${payment.id}`, {
          headers: { authorization: `Bearer ${oldToken}` },
        });
        const text = await raw.text();
        assert.equal(raw.status, 401, text);
        assert.equal(JSON.parse(text).meta.ret_code, '00280703', text);
        assert.ok(!text.includes(payment.id), 'nothing about the payment leaks');
      },
    );

    // ---- 5. another merchant's payment -------------------------------------------------------------

    test(
      "merchant B's client on merchant A's payment: get / verifyCard / verifyAgreement / execute throw " +
        'UmfNotFoundError 00060760',
      async () => {
        const b = clientFor(await h.merchant({ name: 'E2E Merchant B' }));
        const { id } = await readyToExecute(oaepClient, 'CREDIT_CARD', CARDS.CREDIT_CARD.ok);
        await rejectsWith(() => b.payments.get(id), UmfNotFoundError, RetCodes.NOT_FOUND);
        await rejectsWith(
          () => b.payments.verifyCard(id, { card: card(CARDS.CREDIT_CARD.ok, 'CREDIT_CARD') }),
          UmfNotFoundError,
          RetCodes.NOT_FOUND,
        );
        await rejectsWith(
          () => b.payments.verifyAgreement(id, { usrBusiAgreementId: 'UB1', usrPayAgreementId: 'UP1', phone: PHONE }),
          UmfNotFoundError,
          RetCodes.NOT_FOUND,
        );
        await rejectsWith(() => b.payments.execute(id, '000000'), UmfNotFoundError, RetCodes.NOT_FOUND);
        // A's payment is untouched.
        const a = await oaepClient.payments.get(id);
        assert.equal(a.payment.state, 'WAIT_BUYER_PAY');
        assert.equal(a.links[1]?.rel, 'confirm');
      },
    );

    // ---- 6. duplicate order --------------------------------------------------------------------------

    test(
      'a duplicate order (same mer_reference_id + mer_date, new Idempotency-Key) ' + 'throws UmfConflictError 00060741',
      async () => {
        const params = order(ref('DUP'));
        const first = await created(oaepClient, params);
        const err = await rejectsWith(
          () => oaepClient.payments.create(params),
          UmfConflictError,
          RetCodes.DUPLICATE_ORDER,
        );
        assert.equal(err.httpStatus, 409);
        assert.ok(!err.rawBody?.includes(first.id), 'the conflict does not leak the first payment');
      },
    );

    // ---- 7. idempotent replay -------------------------------------------------------------------------

    test(
      'an explicit Idempotency-Key replays the same payment; the same key with another body throws ' +
        'UmfConflictError 00060742',
      async () => {
        const id = ref('IDEM');
        const key = `e2e-${id}`;
        const params = order(id);
        const a = await oaepClient.payments.create(params, { idempotencyKey: key });
        const b = await oaepClient.payments.create(params, { idempotencyKey: key });
        assert.equal(b.payment.id, a.payment.id);
        assert.deepEqual(b.payment, a.payment);
        const rows = await h.gateway.context.db
          .selectFrom('payments')
          .select(['id'])
          .where('mer_reference_id', '=', id)
          .execute();
        assert.deepEqual(
          rows.map((r) => r.id),
          [a.payment.id],
        );
        const changed = order(id, 'CREDIT_CARD', { order_summary: 'Something else' });
        await rejectsWith(
          () => oaepClient.payments.create(changed, { idempotencyKey: key }),
          UmfConflictError,
          RetCodes.IDEMPOTENCY_KEY_REUSED,
        );
      },
    );

    // ---- 8. Bearer without the space ------------------------------------------------------------------

    test(
      'Authorization: Bearer<token> without the space (the Java client) reads the payment, ' +
        'and the response verifies',
      async () => {
        const payment = await created(oaepClient, order(ref('JAVA')));
        const token = await oaepClient.tokens.getToken();
        const res = await fetch(`${h.api}/payments/payment/${payment.id}`, {
          headers: {
            Authorization: `Bearer${token}`,
            'Content-Type': 'application/json',
            'Accept-Language': 'ZH',
            Charsert: 'UTF-8',
          },
        });
        const text = await res.text();
        assert.equal(res.status, 200, text);
        assert.ok(text.startsWith('{"meta":{'), `meta first: ${text.slice(0, 40)}`);
        const verified = verifyResponseBody(text, loadPublicKey(certPem));
        assert.equal(verified.meta.ret_code, '0000');
        const p = verified.data.payment as Payment;
        assert.equal(p.id, payment.id);
        assert.equal(p.state, 'WAIT_BUYER_PAY');
        assert.equal(p.order.mer_reference_id, payment.order.mer_reference_id);
      },
    );

    // ---- 9. notification retry and the text acknowledgement ----------------------------------------------

    test(
      'a notification answered 500 is delivered again after the 10 s backoff; ' + 'the text reply form is accepted',
      async () => {
        const { id, code } = await readyToExecute(oaepClient, 'CREDIT_CARD', CARDS.CREDIT_CARD.ok);
        shop.failNext(1, id);
        const res = await oaepClient.payments.execute(id, code);
        assert.equal(res.payment.state, 'TRADE_SUCCESS');

        const firstTry = await shop.waitForPayment(id, { includeFailed: true });
        assert.equal(firstTry.answeredStatus, 500);
        assert.equal(firstTry.acknowledged, false);
        assert.equal(firstTry.verifyError, undefined, 'the first delivery verified too');

        // Recorded as a failed attempt, due again in 10-11 s.
        let row = (await outboxFor(id))[0];
        for (let i = 0; i < 100 && row && Number(row.attempts) < 1; i++) {
          await sleep(20);
          row = (await outboxFor(id))[0];
        }
        assert.ok(row, 'an outbox row');
        assert.equal(row.state, 'pending');
        assert.equal(Number(row.attempts), 1);
        const due = Number(row.next_attempt_at) - h.clock.now();
        assert.ok(due > 8_000 && due <= 11_000, `next attempt in ~10 s, got ${due} ms`);
        await sleep(300);
        assert.equal(shop.deliveriesFor(id).length, 1, 'no early retry');

        h.clock.advance(11_000);
        const second = await shop.waitForPayment(id, { after: firstTry.seq, timeoutMs: 5_000 });
        assert.equal(second.acknowledged, true);
        assert.equal(second.rawBody, firstTry.rawBody, 'byte-identical body');
        assert.equal(second.signature, firstTry.signature, 'same signature');

        for (let i = 0; i < 100 && row && row.state !== 'delivered'; i++) {
          await sleep(20);
          row = (await outboxFor(id))[0];
        }
        const rows = await outboxFor(id);
        assert.equal(rows.length, 1, 'one notification for the payment');
        assert.equal(rows[0]!.state, 'delivered');
        assert.equal(Number(rows[0]!.attempts), 2);
        assert.ok(rows[0]!.delivered_at !== null, 'delivered_at is set');
        assert.equal(rows[0]!.last_error, null);
        const attempts = await attemptsOf(rows[0]!.id);
        assert.deepEqual(
          attempts.map((a) => [Number(a.attempt), a.outcome, a.http_status === null ? null : Number(a.http_status)]),
          [
            [1, 'http_error', 500],
            [2, 'delivered', 200],
          ],
        );

        // The demo shop's text answer counts as delivered.
        shop.replyFormat = 'text';
        try {
          const next = await readyToExecute(oaepClient, 'CREDIT_CARD', CARDS.CREDIT_CARD.ok);
          assert.equal((await oaepClient.payments.execute(next.id, next.code)).payment.state, 'TRADE_SUCCESS');
          const d = await notified(next.id, 'TRADE_SUCCESS');
          assert.equal(d.answeredBody, 'ret_code=0000&ret_msg=success');
          let textRow = (await outboxFor(next.id))[0];
          for (let i = 0; i < 100 && textRow && textRow.state !== 'delivered'; i++) {
            await sleep(20);
            textRow = (await outboxFor(next.id))[0];
          }
          assert.ok(textRow, 'an outbox row');
          assert.equal(textRow.state, 'delivered');
          assert.equal(Number(textRow.attempts), 1);
          const textAttempts = await attemptsOf(textRow.id);
          assert.equal(textAttempts.length, 1);
          assert.equal(textAttempts[0]!.outcome, 'delivered');
          assert.equal(textAttempts[0]!.response_excerpt, 'ret_code=0000&ret_msg=success');
        } finally {
          shop.replyFormat = 'json';
        }
      },
    );

    // ---- 10. expiry -------------------------------------------------------------------------------------

    test(
      "a payment with expire_time '1' (minute) is TRADE_CLOSED 2 minutes later, " + 'with a TRADE_CLOSED notification',
      async () => {
        const payment = await created(oaepClient, order(ref('EXPIRE'), 'CREDIT_CARD', { expire_time: '1' }));
        h.clock.advance(2 * 60_000);
        const got = await oaepClient.payments.get(payment.id);
        assert.equal(got.payment.state, 'TRADE_CLOSED');
        assert.equal(got.payment.error?.ret_code, '00060751', 'payment expired');
        assert.deepEqual(
          got.links.map((l) => l.rel),
          ['self'],
        );
        const n = await notified(payment.id, 'TRADE_CLOSED');
        if (n.event?.type !== 'payment') throw new Error('unreachable');
        assert.equal(n.event.payment.order.mer_reference_id, payment.order.mer_reference_id);
        assert.equal(n.event.payment.error?.ret_code, '00060751');
        assert.equal((await outboxFor(payment.id)).length, 1, 'exactly one notification');
      },
    );

    test('every notification the merchant received verified; none was rejected', () => {
      assert.equal(shop.rejected.length, 0, `rejected: ${shop.rejected.map((d) => d.verifyError).join('; ')}`);
      assert.ok(shop.events.length >= 12, `notifications received: ${shop.events.length}`);
    });
  });
}
