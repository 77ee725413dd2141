/**
 * Bank card payments as a merchant integration drives them: create -> verify (SMS) -> read the code
 * from the sandbox SMS inbox -> execute -> query. Credit and debit cards, both field encryptions,
 * every sandbox test card, the SMS limits, expiry, ownership, duplicates and double execution.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  startHarness,
  sampleOrder,
  type ApiResponse,
  type Harness,
  type TestMerchant,
  expectOk,
  expectError,
  expectedCny,
} from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';

const PHONE = '13800138000';
const CITIZEN_ID = '11010519491231002X';
type Method = 'CREDIT_CARD' | 'DEBIT_CARD';

const CREDIT = {
  ok: '6225760000040001',
  declined: '6225760000030002',
  expired: '6225760000020003',
  incorrect: '6225760000010004',
  late: '6225760000000005',
};
const DEBIT = {
  ok: '6217000010000020001',
  declined: '6217000010000010002',
  expired: '6217000010000000003',
  incorrect: '6217000010000090004',
  late: '6217000010000080005',
  demoShop: '6217000010045997833',
};
const LUHN_INVALID_CREDIT = '6225760000040002';
const MAX_WRONG = 5;

let seq = 0;
const ref = (label: string) =>
  `CP${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase().replace(/[^A-Z0-9]/g, '');

for (const kind of testDatabaseUrls()) {
  describe(`card payments (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;
    let pkcs1Shop: TestMerchant;
    let otherShop: TestMerchant;

    // ---- helpers ------------------------------------------------------------------------------

    const ok = (res: ApiResponse, status = 200): void => expectOk(h, res, status);
    const fails = (res: ApiResponse, status: number, code: string): void => expectError(h, res, status, code);

    function assertLinks(res: ApiResponse, expected: Array<[string, 'GET' | 'POST', string]>): void {
      const id = res.json.payment.id as string;
      const self = `${h.api}/payments/payment/${id}`;
      const want = expected.map(([rel, method, suffix]) => ({ rel, method, href: self + suffix }));
      const got = (res.json.payment.links as Array<{ rel: string; ref: string; method: string; href: string }>).map(
        (l) => {
          assert.equal(l.ref, l.rel);
          return { rel: l.rel, method: l.method, href: l.href };
        },
      );
      assert.deepEqual(got, want, 'payment.links');
      if (res.json.links !== undefined)
        assert.deepEqual(res.json.links, res.json.payment.links, 'top-level links = payment.links');
    }

    function orderFor(
      method: Method,
      id: string,
      overrides: Record<string, unknown> = {},
      payerInfo: Record<string, unknown> = {},
    ): Record<string, unknown> {
      return sampleOrder(id, {
        payer: { payment_method: method, bank_code: 'CCB', payer_info: { phone: PHONE, ...payerInfo } },
        ...overrides,
      });
    }

    async function create(
      m: TestMerchant,
      method: Method,
      id = ref('P'),
      overrides: Record<string, unknown> = {},
      payerInfo: Record<string, unknown> = {},
    ): Promise<ApiResponse> {
      const res = await h.call(m, 'POST', '/payments/payment', orderFor(method, id, overrides, payerInfo));
      ok(res, 201);
      assert.equal(res.json.payment.state, 'WAIT_BUYER_PAY');
      assert.equal(res.json.payment.order.mer_reference_id, id);
      assertLinks(res, [
        ['self', 'GET', ''],
        ['sms_verify', 'POST', '/verify'],
      ]);
      return res;
    }

    function cardBody(
      m: TestMerchant,
      number: string,
      method: Method,
      cardOverrides: Record<string, unknown> = {},
    ): Record<string, unknown> {
      const bankCard: Record<string, unknown> = {
        number: h.encrypt(m, number),
        payer_name: h.encrypt(m, 'Zhang San'),
        citizen_id_type: 'IDENTITY_CARD',
        citizen_id_number: h.encrypt(m, CITIZEN_ID),
      };
      if (method === 'CREDIT_CARD') {
        bankCard.valid_date = h.encrypt(m, '3012');
        bankCard.cvv2 = h.encrypt(m, '123');
      }
      return { payer: { payer_info: { phone: PHONE, bank_card: { ...bankCard, ...cardOverrides } } } };
    }

    const verify = (m: TestMerchant, id: string, body: Record<string, unknown>) =>
      h.call(m, 'POST', `/payments/payment/${id}/verify`, body);
    const execute = (m: TestMerchant, id: string, code: string) =>
      h.call(m, 'POST', `/payments/payment/${id}/execute`, { payer: { payer_info: { verify_code: code } } });
    const get = (m: TestMerchant, id: string) => h.call(m, 'GET', `/payments/payment/${id}`);

    async function inbox(
      phone = PHONE,
    ): Promise<Array<{ phone: string; code: string; payment_id: string; sent_at: string }>> {
      const res = await fetch(`${h.baseUrl}/sandbox/sms?phone=${phone}`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        messages: Array<{ phone: string; code: string; payment_id: string; sent_at: string }>;
      };
      for (let i = 1; i < body.messages.length; i++)
        assert.ok(body.messages[i - 1]!.sent_at >= body.messages[i]!.sent_at, 'newest first');
      return body.messages;
    }

    /** The codes sent for one payment, newest first. */
    async function codesFor(paymentId: string): Promise<string[]> {
      const codes = (await inbox()).filter((m) => m.payment_id === paymentId).map((m) => m.code);
      for (const code of codes) assert.match(code, /^\d{6}$/);
      return codes;
    }

    async function verified(
      m: TestMerchant,
      method: Method,
      number: string,
      id = ref('V'),
    ): Promise<{ paymentId: string; code: string; created: ApiResponse }> {
      const created = await create(m, method, id);
      const paymentId = created.json.payment.id as string;
      const res = await verify(m, paymentId, cardBody(m, number, method));
      ok(res);
      assert.equal(res.json.payment.state, 'WAIT_BUYER_PAY');
      assertLinks(res, [
        ['self', 'GET', ''],
        ['confirm', 'POST', '/execute'],
      ]);
      const codes = await codesFor(paymentId);
      assert.equal(codes.length, 1);
      return { paymentId, code: codes[0]!, created };
    }

    async function ledger(paymentId: string) {
      return h.gateway.context.db
        .selectFrom('sandbox_bank_ledger')
        .selectAll()
        .where('payment_id', '=', paymentId)
        .execute();
    }

    async function waitForState(m: TestMerchant, id: string, state: string, timeoutMs = 8_000): Promise<ApiResponse> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await get(m, id);
        ok(res);
        if (res.json.payment.state === state || Date.now() > deadline) return res;
        await sleep(100);
      }
    }

    async function usdRate(): Promise<string> {
      const res = await h.call(shop, 'GET', '/exchange_rate?currency=USD');
      ok(res);
      assert.equal(res.json.exchange_rates.length, 1);
      assert.equal(res.json.exchange_rates[0].currency, 'USD');
      return res.json.exchange_rates[0].rate as string;
    }

    before(async () => {
      h = await startHarness(kind, { lateBankDelayMs: 300 });
      shop = await h.merchant({ name: 'Card Shop' });
      pkcs1Shop = await h.merchant({ name: 'Java Client Shop', encryption: 'pkcs1' });
      otherShop = await h.merchant({ name: 'Someone Else' });
    });
    after(async () => {
      await h?.close();
    });

    // ---- the full flow --------------------------------------------------------------------------

    for (const encryption of ['oaep', 'pkcs1'] as const) {
      for (const [method, number] of [
        ['CREDIT_CARD', CREDIT.ok],
        ['DEBIT_CARD', DEBIT.ok],
      ] as const) {
        test(
          `full flow: ${method} with ${encryption} encryption: ` + 'create -> verify -> SMS -> execute -> GET',
          async () => {
            const m = encryption === 'oaep' ? shop : pkcs1Shop;
            assert.equal(m.encryption, encryption);
            const rate = await usdRate();
            const id = ref('FULL');
            const created = await create(m, method, id);
            const payment = created.json.payment;
            assert.match(payment.id, /^PAY_[A-Z0-9]+$/);
            assert.equal(payment.payer.payment_method, method);
            assert.equal(payment.order.amount.total, '100.02');
            assert.equal(payment.order.amount.currency, 'USD');
            assert.equal(payment.order.amount.exchange_rate.rate, rate);
            assert.equal(payment.order.amount.total_cny, expectedCny('100.02', rate));
            assert.equal(payment.order.sub_orders.length, 2);
            // The demo shop takes links[1].href as the SMS verification URL.
            assert.equal(created.json.links[1].href, `${h.api}/payments/payment/${payment.id}/verify`);

            const v = await verify(m, payment.id, cardBody(m, number, method));
            ok(v);
            assert.equal(v.json.payment.state, 'WAIT_BUYER_PAY');
            assertLinks(v, [
              ['self', 'GET', ''],
              ['confirm', 'POST', '/execute'],
            ]);
            assert.equal(v.text.includes(number), false, 'the card number is never echoed');
            const codes = await codesFor(payment.id);
            assert.equal(codes.length, 1);
            const messages = await inbox();
            assert.equal(messages[0]!.payment_id, payment.id, 'the newest message is this payment');
            assert.equal(messages[0]!.phone, PHONE);

            const x = await execute(m, payment.id, codes[0]!);
            ok(x);
            assert.equal(x.json.payment.state, 'TRADE_SUCCESS');
            assertLinks(x, [
              ['self', 'GET', ''],
              ['refund', 'POST', '/refund'],
              ['apply_to_customs', 'POST', '/apply_to_customs'],
            ]);
            assert.equal(x.json.payment.order.amount.total_cny, expectedCny('100.02', rate));
            assert.match(x.json.payment.execute_success_time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
            const agreement = x.json.payment.payer.payer_info.payer_agreement;
            assert.ok(agreement, `payer agreement issued: ${x.text}`);
            assert.ok(agreement.usr_busi_agreement_id, `usr_busi_agreement_id issued: ${x.text}`);
            assert.ok(agreement.usr_pay_agreement_id, `usr_pay_agreement_id issued: ${x.text}`);
            assert.equal(agreement.gate_id, 'CCB');
            assert.equal(agreement.last_four_cardid, number.slice(-4));

            const q = await get(m, payment.id);
            ok(q);
            assert.equal(q.json.payment.id, payment.id);
            assert.equal(q.json.payment.state, 'TRADE_SUCCESS');
            assert.deepEqual(q.json.payment.payer.payer_info.payer_agreement, agreement);
            assert.deepEqual(
              q.json.payment.links.map((l: { rel: string }) => l.rel),
              ['self', 'refund', 'apply_to_customs'], // sampleOrder's sub-order is is_customs TRUE
            );

            const rows = await ledger(payment.id);
            assert.equal(rows.length, 1);
            assert.equal(rows[0]!.kind, 'debit');
            assert.equal(
              String(rows[0]!.amount_minor),
              expectedCny('100.02', rate).replace('.', '').replace(/^0+/, ''),
            );

            // Card data is gone from the payment once the bank answered; the PAN is nowhere in clear.
            const stored = await h.gateway.context.db
              .selectFrom('payments')
              .selectAll()
              .where('id', '=', payment.id)
              .executeTakeFirstOrThrow();
            assert.equal(stored.card_secret_enc, null);
            assert.equal(JSON.stringify(stored).includes(number), false);
            const agreements = await h.gateway.context.db.selectFrom('payer_agreements').selectAll().execute();
            assert.equal(JSON.stringify(agreements).includes(number), false);
            assert.equal(JSON.stringify(agreements).includes('3012'), false);
          },
        );
      }
    }

    test(
      'total_cny is ROUND_HALF_UP of total x the rate of ' + 'GET /exchange_rate (an exact half fen rounds up)',
      async () => {
        await h.gateway.context.sandbox!.fx.setRate('EUR', '6.5');
        const rateRes = await h.call(shop, 'GET', '/exchange_rate?currency=EUR');
        ok(rateRes);
        assert.equal(rateRes.json.exchange_rates[0].rate, '6.5');
        const id = ref('HALF');
        const res = await h.call(shop, 'POST', '/payments/payment', {
          payer: { payment_method: 'CREDIT_CARD', payer_info: { phone: PHONE } },
          order: {
            mer_reference_id: id,
            mer_date: (sampleOrder(id).order as { mer_date: string }).mer_date,
            amount: { total: '0.01', currency: 'EUR' },
            sub_orders: [{ amount: { total: '0.01', currency: 'EUR' }, trans_code: '01121990' }],
          },
          notify_url: 'http://127.0.0.1:9/notify',
        });
        ok(res, 201);
        assert.equal(expectedCny('0.01', '6.5'), '0.07');
        assert.equal(res.json.payment.order.amount.total_cny, '0.07', '6.5 fen rounds half up to 7');
        assert.equal(res.json.payment.order.amount.exchange_rate.rate, '6.5');
        // And an ordinary amount at the default USD rate.
        const rate = await usdRate();
        const usd = await h.call(shop, 'POST', '/payments/payment', sampleOrder(ref('USD')));
        ok(usd, 201);
        assert.equal(usd.json.payment.order.amount.total_cny, expectedCny('100.02', rate));
      },
    );

    test(
      'first payments with the same card executed at the same time all succeed and share one payer agreement ' +
        '(no 500 after the debit)',
      async () => {
        const m = await h.merchant({ name: 'Same Card Shop' });
        const card = '6225760000070008'; // Luhn-valid, succeeds
        await h.token(m); // one token for the concurrent calls (a new token disables the previous one)
        const ready = await Promise.all(
          Array.from({ length: 6 }, (_, i) => verified(m, 'CREDIT_CARD', card, ref(`SC${i}`))),
        );
        const answers = await Promise.all(ready.map((v) => execute(m, v.paymentId, v.code)));
        for (const res of answers) {
          ok(res);
          assert.equal(res.json.payment.state, 'TRADE_SUCCESS', res.text);
        }
        const agreements = new Set(
          answers.map((res) => res.json.payment.payer.payer_info.payer_agreement?.usr_pay_agreement_id),
        );
        assert.equal(agreements.size, 1, `one agreement for the card: ${[...agreements].join(', ')}`);
        const rows = await h.gateway.context.db
          .selectFrom('payer_agreements')
          .select('usr_pay_agreement_id')
          .where('merchant_id', '=', m.id)
          .execute();
        assert.equal(rows.length, 1, 'one agreement row');
      },
    );

    test('a payer agreement pays a second payment through verify/execute without card data', async () => {
      const first = await verified(shop, 'CREDIT_CARD', CREDIT.ok, ref('AGR1'));
      const paid = await execute(shop, first.paymentId, first.code);
      ok(paid);
      assert.equal(paid.json.payment.state, 'TRADE_SUCCESS');
      const agreement = paid.json.payment.payer.payer_info.payer_agreement;
      assert.ok(agreement?.usr_pay_agreement_id, paid.text);
      const agreementIn = {
        usr_busi_agreement_id: agreement.usr_busi_agreement_id,
        usr_pay_agreement_id: agreement.usr_pay_agreement_id,
      };

      const second = await create(shop, 'CREDIT_CARD', ref('AGR2'), {}, { payer_agreement: agreementIn });
      const id = second.json.payment.id as string;
      const v = await verify(shop, id, { payer: { payer_info: { payer_agreement: agreementIn } } });
      ok(v);
      assertLinks(v, [
        ['self', 'GET', ''],
        ['confirm', 'POST', '/execute'],
      ]);
      const [code] = await codesFor(id);
      const x = await execute(shop, id, code!);
      ok(x);
      assert.equal(x.json.payment.state, 'TRADE_SUCCESS');
      assert.deepEqual(x.json.payment.payer.payer_info.payer_agreement, agreement);
      assert.equal((await ledger(id)).length, 1);

      // camelCase payerAgreement on a payment created without one.
      const third = await create(shop, 'CREDIT_CARD', ref('AGR3'));
      const id3 = third.json.payment.id as string;
      ok(await verify(shop, id3, { payer: { payer_info: { payerAgreement: agreementIn } } }));
      const [code3] = await codesFor(id3);
      const x3 = await execute(shop, id3, code3!);
      ok(x3);
      assert.equal(x3.json.payment.state, 'TRADE_SUCCESS');

      // Another merchant cannot use it.
      const foreign = await h.call(
        otherShop,
        'POST',
        '/payments/payment',
        orderFor('CREDIT_CARD', ref('AGR4'), {}, { payer_agreement: agreementIn }),
      );
      assert.equal(foreign.status, 400, foreign.text);
      assert.equal(foreign.json.meta.ret_code, '00060700');
    });

    // ---- test cards -----------------------------------------------------------------------------

    for (const [method, number] of [
      ['CREDIT_CARD', CREDIT.declined],
      ['DEBIT_CARD', DEBIT.declined],
    ] as const) {
      test(`${method} ending 0002: execute declined 00060730 -> TRADE_FAIL`, async () => {
        const { paymentId, code } = await verified(shop, method, number);
        const x = await execute(shop, paymentId, code);
        const state = x.json?.payment?.state;
        if (x.json?.meta?.ret_code === '0000') {
          ok(x);
          assert.equal(state, 'TRADE_FAIL');
          assert.equal(x.json.payment.error?.ret_code, '00060730', x.text);
        } else {
          fails(x, 402, '00060730');
        }
        const q = await get(shop, paymentId);
        ok(q);
        assert.equal(q.json.payment.state, 'TRADE_FAIL');
        assert.equal(q.json.payment.error?.ret_code, '00060730');
        assertLinks(q, [['self', 'GET', '']]);
        assert.equal((await ledger(paymentId)).length, 0);
        assert.equal(q.json.payment.payer.payer_info.payer_agreement, undefined, 'no agreement for a declined card');
      });
    }

    for (const [method, number, code] of [
      ['CREDIT_CARD', CREDIT.expired, '00200026'],
      ['DEBIT_CARD', DEBIT.expired, '00200026'],
      ['CREDIT_CARD', CREDIT.incorrect, '00200025'],
      ['DEBIT_CARD', DEBIT.incorrect, '00200025'],
    ] as const) {
      test(`${method} ending ${number.slice(-4)}: verify -> ${code}, no SMS sent, payment still open`, async () => {
        const created = await create(shop, method);
        const id = created.json.payment.id as string;
        fails(await verify(shop, id, cardBody(shop, number, method)), 402, code);
        assert.deepEqual(await codesFor(id), []);
        const q = await get(shop, id);
        ok(q);
        assert.equal(q.json.payment.state, 'WAIT_BUYER_PAY');
        assertLinks(q, [
          ['self', 'GET', ''],
          ['sms_verify', 'POST', '/verify'],
        ]);
        // The payer can try again with a good card.
        const good = method === 'CREDIT_CARD' ? CREDIT.ok : DEBIT.ok;
        ok(await verify(shop, id, cardBody(shop, good, method)));
        const [sms] = await codesFor(id);
        const x = await execute(shop, id, sms!);
        ok(x);
        assert.equal(x.json.payment.state, 'TRADE_SUCCESS');
      });
    }

    for (const [method, number] of [
      ['CREDIT_CARD', CREDIT.late],
      ['DEBIT_CARD', DEBIT.late],
    ] as const) {
      test(
        `${method} ending 0005: the bank answers late: ` + 'WAIT_BUYER_PAY after execute, TRADE_SUCCESS later',
        async () => {
          const { paymentId, code } = await verified(shop, method, number);
          const x = await execute(shop, paymentId, code);
          ok(x);
          assert.equal(x.json.payment.state, 'WAIT_BUYER_PAY');
          assertLinks(x, [['self', 'GET', '']]);
          // A second execute while the bank has not answered is refused.
          const again = await execute(shop, paymentId, code);
          assert.ok(['00060761', '00200005', '00060750'].includes(again.json?.meta?.ret_code), again.text);
          assert.ok(
            again.status >= 400 && again.status < 500,
            `a second execute is a 4xx refusal: ${again.status} ${again.text}`,
          );
          const done = await waitForState(shop, paymentId, 'TRADE_SUCCESS');
          assert.equal(done.json.payment.state, 'TRADE_SUCCESS', done.text);
          assertLinks(done, [
            ['self', 'GET', ''],
            ['refund', 'POST', '/refund'],
            ['apply_to_customs', 'POST', '/apply_to_customs'],
          ]);
          assert.match(
            done.json.payment.execute_success_time,
            /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/,
            'a late success has its execute_success_time',
          );
          const rows = await ledger(paymentId);
          assert.equal(rows.length, 1);
          const agreement = done.json.payment.payer.payer_info.payer_agreement;
          assert.ok(agreement?.usr_pay_agreement_id, `a late success issues a payer agreement too: ${done.text}`);
          assert.equal(agreement.last_four_cardid, '0005');
        },
      );
    }

    test("the official demo shop's debit card 6217000010045997833 pays", async () => {
      const { paymentId, code } = await verified(shop, 'DEBIT_CARD', DEBIT.demoShop);
      const x = await execute(shop, paymentId, code);
      ok(x);
      assert.equal(x.json.payment.state, 'TRADE_SUCCESS');
      assert.equal(x.json.payment.payer.payer_info.payer_agreement.last_four_cardid, '7833');
    });

    test('a Luhn-invalid number -> 00060875', async () => {
      const created = await create(shop, 'CREDIT_CARD');
      fails(
        await verify(shop, created.json.payment.id, cardBody(shop, LUHN_INVALID_CREDIT, 'CREDIT_CARD')),
        400,
        '00060875',
      );
      const debit = await create(shop, 'DEBIT_CARD');
      fails(
        await verify(shop, debit.json.payment.id, cardBody(shop, '6217000010045997834', 'DEBIT_CARD')),
        400,
        '00060875',
      );
    });

    test(
      'a debit card number on a CREDIT_CARD payment -> ' + '00060076, and a credit number on a DEBIT_CARD payment',
      async () => {
        const created = await create(shop, 'CREDIT_CARD');
        fails(await verify(shop, created.json.payment.id, cardBody(shop, DEBIT.ok, 'CREDIT_CARD')), 400, '00060076');
        const debit = await create(shop, 'DEBIT_CARD');
        fails(await verify(shop, debit.json.payment.id, cardBody(shop, CREDIT.ok, 'DEBIT_CARD')), 400, '00060076');
      },
    );

    // ---- SMS ------------------------------------------------------------------------------------

    test(
      'a second verify within 60 s -> 00080706; 5 codes per payment, the 6th -> 00080707; ' +
        'only the newest code pays',
      async () => {
        const created = await create(shop, 'CREDIT_CARD');
        const id = created.json.payment.id as string;
        ok(await verify(shop, id, cardBody(shop, CREDIT.ok, 'CREDIT_CARD')));
        fails(await verify(shop, id, cardBody(shop, CREDIT.ok, 'CREDIT_CARD')), 429, '00080706');
        h.clock.advance(30_000);
        fails(await verify(shop, id, cardBody(shop, CREDIT.ok, 'CREDIT_CARD')), 429, '00080706');
        assert.equal((await codesFor(id)).length, 1);
        for (let n = 2; n <= 5; n++) {
          h.clock.advance(61_000);
          const v = await verify(shop, id, cardBody(shop, CREDIT.ok, 'CREDIT_CARD'));
          ok(v);
          assertLinks(v, [
            ['self', 'GET', ''],
            ['confirm', 'POST', '/execute'],
          ]);
          assert.equal((await codesFor(id)).length, n);
        }
        h.clock.advance(61_000);
        fails(await verify(shop, id, cardBody(shop, CREDIT.ok, 'CREDIT_CARD')), 429, '00080707');
        const codes = await codesFor(id);
        assert.equal(codes.length, 5);
        const newest = codes[0]!;
        const older = codes.slice(1).find((c) => c !== newest);
        if (older) fails(await execute(shop, id, older), 400, '00200007');
        const x = await execute(shop, id, newest);
        ok(x);
        assert.equal(x.json.payment.state, 'TRADE_SUCCESS');
      },
    );

    test('a wrong code -> 00200007; five wrong codes -> 00200008 and the payment is TRADE_FAIL', async () => {
      const { paymentId, code } = await verified(shop, 'CREDIT_CARD', CREDIT.ok);
      const wrong = code === '000000' ? '000001' : '000000';
      for (let i = 1; i <= 4; i++) fails(await execute(shop, paymentId, wrong), 400, '00200007');
      fails(await execute(shop, paymentId, wrong), 409, '00200008');
      const q = await get(shop, paymentId);
      ok(q);
      assert.equal(q.json.payment.state, 'TRADE_FAIL');
      assert.equal(q.json.payment.error?.ret_code, '00200008');
      assertLinks(q, [['self', 'GET', '']]);
      // The right code is useless now.
      const late = await execute(shop, paymentId, code);
      assert.ok(late.status >= 400 && late.status < 500, late.text);
      assert.notEqual(late.json.meta.ret_code, '0000');
      assert.equal((await ledger(paymentId)).length, 0);
    });

    test('concurrent wrong codes are all counted: the payment locks after five guesses', async () => {
      const { paymentId, code } = await verified(shop, 'CREDIT_CARD', CREDIT.ok);
      const guesses = Array.from({ length: 10 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
      const results = await Promise.all(guesses.map((g) => execute(shop, paymentId, g)));
      for (const r of results)
        assert.ok(['00200007', '00200008', '00060765', '00060761'].includes(r.json?.meta?.ret_code), r.text);
      const told = (code: string) => results.filter((r) => r.json.meta.ret_code === code).length;
      assert.ok(
        told('00200007') <= MAX_WRONG - 1,
        `at most ${MAX_WRONG - 1} guesses are answered "incorrect": ${told('00200007')}`,
      );
      assert.ok(told('00200008') >= 1, 'the guess that reaches the limit locks the payment');
      const q = await get(shop, paymentId);
      assert.equal(q.json.payment.state, 'TRADE_FAIL', `10 concurrent wrong codes must lock the payment: ${q.text}`);
      const x = await execute(shop, paymentId, code);
      assert.notEqual(x.json.meta.ret_code, '0000');
      assert.equal((await ledger(paymentId)).length, 0);
    });

    test('execute without a prior verify -> 00200005', async () => {
      const created = await create(shop, 'CREDIT_CARD');
      fails(await execute(shop, created.json.payment.id, '123456'), 400, '00200005');
      const q = await get(shop, created.json.payment.id);
      assert.equal(q.json.payment.state, 'WAIT_BUYER_PAY');
    });

    test('a code older than 5 minutes -> 00200005; a new verify after it sends a code that works', async () => {
      const { paymentId, code } = await verified(shop, 'CREDIT_CARD', CREDIT.ok);
      h.clock.advance(5 * 60_000 + 1_000);
      fails(await execute(shop, paymentId, code), 400, '00200005');
      ok(await verify(shop, paymentId, cardBody(shop, CREDIT.ok, 'CREDIT_CARD')));
      const [fresh] = await codesFor(paymentId);
      const x = await execute(shop, paymentId, fresh!);
      ok(x);
      assert.equal(x.json.payment.state, 'TRADE_SUCCESS');
    });

    test('execute without a verify_code after verify -> 00060700', async () => {
      const { paymentId, code } = await verified(shop, 'CREDIT_CARD', CREDIT.ok);
      fails(await h.call(shop, 'POST', `/payments/payment/${paymentId}/execute`, {}), 400, '00060700');
      // The verify_code inside bankCard, as the reference's sample sends it, works.
      const x = await h.call(shop, 'POST', `/payments/payment/${paymentId}/execute`, {
        payer: { payer_info: { bankCard: { verify_code: code } } },
      });
      ok(x);
      assert.equal(x.json.payment.state, 'TRADE_SUCCESS');
    });

    // ---- expiry ---------------------------------------------------------------------------------

    test('an expired payment (expire_time in minutes) shows TRADE_CLOSED and cannot be paid', async () => {
      const expId = ref('EXPM');
      const created = await create(shop, 'CREDIT_CARD', expId, {
        order: { ...(sampleOrder(expId).order as object), expire_time: '1' },
      });
      const id = created.json.payment.id as string;
      ok(await verify(shop, id, cardBody(shop, CREDIT.ok, 'CREDIT_CARD')));
      const [code] = await codesFor(id);
      h.clock.advance(2 * 60_000);
      const q = await get(shop, id);
      ok(q);
      assert.equal(q.json.payment.state, 'TRADE_CLOSED');
      assertLinks(q, [['self', 'GET', '']]);
      const x = await execute(shop, id, code!);
      assert.ok(['00060751', '00060763'].includes(x.json?.meta?.ret_code), x.text);
      assert.equal(x.status, 409);
      assert.equal((await ledger(id)).length, 0);
    });

    test('an expired payment (ISO 8601 expire_time a minute ahead) shows TRADE_CLOSED after 2 minutes', async () => {
      const id = ref('EXPI');
      const expire = new Date(h.clock.now() + 60_000).toISOString();
      const order = { ...(sampleOrder(id).order as object), expire_time: expire };
      const created = await create(shop, 'DEBIT_CARD', id, { order });
      const paymentId = created.json.payment.id as string;
      const before = await get(shop, paymentId);
      assert.equal(before.json.payment.state, 'WAIT_BUYER_PAY');
      h.clock.advance(2 * 60_000);
      const q = await get(shop, paymentId);
      ok(q);
      assert.equal(q.json.payment.state, 'TRADE_CLOSED');
      const v = await verify(shop, paymentId, cardBody(shop, DEBIT.ok, 'DEBIT_CARD'));
      assert.ok(['00060751', '00060763'].includes(v.json?.meta?.ret_code), v.text);
    });

    // ---- ownership, duplicates, double execution --------------------------------------------------

    test("another merchant's payment -> 404 00060760 on GET, verify and execute", async () => {
      const { paymentId, code } = await verified(shop, 'CREDIT_CARD', CREDIT.ok);
      fails(await get(otherShop, paymentId), 404, '00060760');
      fails(await verify(otherShop, paymentId, cardBody(otherShop, CREDIT.ok, 'CREDIT_CARD')), 404, '00060760');
      fails(await execute(otherShop, paymentId, code), 404, '00060760');
      fails(await get(shop, 'PAY_NOSUCHPAYMENT'), 404, '00060760');
      fails(await get(shop, 'not-a-payment-id'), 404, '00060760');
      // The owner's payment is untouched.
      const x = await execute(shop, paymentId, code);
      ok(x);
      assert.equal(x.json.payment.state, 'TRADE_SUCCESS');
    });

    test(
      'a duplicate (mer_reference_id, mer_date) -> ' + '409 00060741; other dates and merchants may reuse the id',
      async () => {
        const id = ref('DUP');
        const first = await create(shop, 'CREDIT_CARD', id);
        fails(await h.call(shop, 'POST', '/payments/payment', orderFor('CREDIT_CARD', id)), 409, '00060741');
        fails(await h.call(shop, 'POST', '/payments/payment', orderFor('DEBIT_CARD', id)), 409, '00060741');
        const order = sampleOrder(id).order as { mer_date: string };
        const d = new Date(
          Date.UTC(
            Number(order.mer_date.slice(0, 4)),
            Number(order.mer_date.slice(4, 6)) - 1,
            Number(order.mer_date.slice(6, 8)) - 1,
          ),
        );
        const yesterday = d.toISOString().slice(0, 10).replaceAll('-', '');
        const other = await h.call(
          shop,
          'POST',
          '/payments/payment',
          orderFor('CREDIT_CARD', id, { order: { ...order, mer_date: yesterday } }),
        );
        ok(other, 201);
        assert.notEqual(other.json.payment.id, first.json.payment.id);
        ok(await h.call(otherShop, 'POST', '/payments/payment', orderFor('CREDIT_CARD', id)), 201);
        const rows = await h.gateway.context.db
          .selectFrom('payments')
          .select('id')
          .where('mer_reference_id', '=', id)
          .where('merchant_id', '=', shop.id)
          .execute();
        assert.equal(rows.length, 2);
      },
    );

    test(
      'concurrent creates of one (mer_reference_id, ' + 'mer_date): exactly one payment, the others 409 00060741',
      async () => {
        const id = ref('DUPC');
        const body = JSON.stringify(orderFor('CREDIT_CARD', id));
        const results = await Promise.all(
          Array.from({ length: 6 }, () => h.call(shop, 'POST', '/payments/payment', body)),
        );
        const createdOnes = results.filter((r) => r.status === 201);
        assert.equal(createdOnes.length, 1, results.map((r) => `${r.status} ${r.text.slice(0, 100)}`).join('\n'));
        for (const r of results) {
          assert.ok(h.verifies(r.text), `the answer is signed: ${r.text.slice(0, 200)}`);
          if (r.status !== 201) fails(r, 409, '00060741');
        }
        const rows = await h.gateway.context.db
          .selectFrom('payments')
          .select('id')
          .where('mer_reference_id', '=', id)
          .execute();
        assert.deepEqual(
          rows.map((r) => r.id),
          [createdOnes[0]!.json.payment.id],
        );
      },
    );

    test('concurrent verifies of one payment send one SMS; the others -> 00080706', async () => {
      const created = await create(shop, 'DEBIT_CARD');
      const id = created.json.payment.id as string;
      const results = await Promise.all(
        Array.from({ length: 4 }, () => verify(shop, id, cardBody(shop, DEBIT.ok, 'DEBIT_CARD'))),
      );
      const sent = results.filter((r) => r.json?.meta?.ret_code === '0000');
      assert.equal(sent.length, 1, results.map((r) => r.text.slice(0, 100)).join('\n'));
      for (const r of results) if (r !== sent[0]) fails(r, 429, '00080706');
      const codes = await codesFor(id);
      assert.equal(codes.length, 1);
      const x = await execute(shop, id, codes[0]!);
      ok(x);
      assert.equal(x.json.payment.state, 'TRADE_SUCCESS');
    });

    test('a paid payment cannot be executed or verified again', async () => {
      const { paymentId, code } = await verified(shop, 'CREDIT_CARD', CREDIT.ok);
      ok(await execute(shop, paymentId, code));
      const again = await execute(shop, paymentId, code);
      fails(again, 402, '00060750');
      const reverify = await verify(shop, paymentId, cardBody(shop, CREDIT.ok, 'CREDIT_CARD'));
      fails(reverify, 402, '00060750');
      const q = await get(shop, paymentId);
      assert.equal(q.json.payment.state, 'TRADE_SUCCESS');
      assert.equal((await ledger(paymentId)).length, 1);
    });

    test('concurrent executes with the right code: exactly one TRADE_SUCCESS, one bank debit', async () => {
      const { paymentId, code } = await verified(shop, 'DEBIT_CARD', DEBIT.ok);
      const results = await Promise.all(Array.from({ length: 5 }, () => execute(shop, paymentId, code)));
      const winners = results.filter((r) => r.json?.meta?.ret_code === '0000');
      assert.equal(winners.length, 1, results.map((r) => r.text).join('\n'));
      assert.equal(winners[0]!.json.payment.state, 'TRADE_SUCCESS');
      for (const r of results) {
        assert.ok(h.verifies(r.text), `the answer is signed: ${r.text.slice(0, 200)}`);
        if (r === winners[0]) continue;
        assert.ok(['00060761', '00060750', '00200005'].includes(r.json?.meta?.ret_code), r.text);
        assert.ok(r.status >= 400 && r.status < 500, r.text);
      }
      const rows = await ledger(paymentId);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.kind, 'debit');
      const notifications = await h.gateway.context.db
        .selectFrom('outbox')
        .select('id')
        .where('object_id', '=', paymentId)
        .execute();
      assert.equal(notifications.length, 1, 'one notification for the one success');
      const q = await get(shop, paymentId);
      assert.equal(q.json.payment.state, 'TRADE_SUCCESS');
    });
  });
}
