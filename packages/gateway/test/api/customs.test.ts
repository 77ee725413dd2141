/**
 * Customs declarations as a merchant integration drives them (reference 3.9-3.10, 3.14), on SQLite
 * and PostgreSQL: the reference's request (and the liberal variants real clients send), the
 * response's shape, ACCEPTED -> SUBMITED -> SUCCESS | FAIL through the sandbox customs office with the
 * signed notification verified by a merchant server, every refusal code, the one-month window on the
 * test clock, one live declaration per sub-order under concurrency, merchant isolation, and the
 * customs list file line by line with its signature.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  startHarness,
  expectError,
  expectOk,
  expectedCny,
  type ApiResponse,
  type Harness,
  type TestMerchant,
} from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { startMerchantServer, type MerchantServer } from '../helpers/merchant-server.ts';
import {
  answerDue,
  chinaDateOf,
  customsNotification,
  customsPayment,
  customsPaymentBody,
  declarationBody,
  submitDue,
  type CustomsPayment,
} from '../helpers/customs.ts';
import { payOnSandbox } from '../helpers/refunds.ts';
import { verifySha256WithRsa } from '../../src/crypto/rsa-signature.ts';
import { lastCustomsDate } from '../../src/customs/customs-service.ts';
import { createContext } from '../../src/context.ts';
import {
  SANDBOX_CUSTOMS_ANSWER_DELAY_MS,
  SANDBOX_CUSTOMS_SUBMIT_DELAY_MS,
} from '../../src/channels/sandbox/sandbox-customs.ts';
import { CUSTOMS_OFFICES } from '../../src/reference/customs-offices.ts';

const DAY = 86_400_000;

test('lastCustomsDate: one calendar month after the order date, the last day of a shorter month', () => {
  const cases: Array<[string, string]> = [
    ['20260415', '20260515'],
    ['20260131', '20260228'],
    ['20240131', '20240229'],
    ['20260331', '20260430'],
    ['20261231', '20270131'],
    ['20261130', '20261230'],
    ['20260228', '20260328'],
  ];
  for (const [merDate, last] of cases) assert.equal(lastCustomsDate(merDate), last, `last customs date of ${merDate}`);
});

test('the customs offices: the reference three and the pilot cities, each code once', () => {
  const codes = CUSTOMS_OFFICES.map((o) => o.code);
  for (const code of ['HZ', 'NB', 'GZ', 'ZZ', 'CQ', 'SH', 'TJ', 'SZ', 'XA', 'FZ'])
    assert.ok(codes.includes(code), `${code} is a customs office`);
  assert.equal(new Set(codes).size, codes.length, 'codes are unique');
});

for (const kind of testDatabaseUrls()) {
  describe(`customs declarations (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;
    let otherShop: TestMerchant;
    let server: MerchantServer;

    const ok = (res: ApiResponse, status = 200): void => expectOk(h, res, status);
    const fails = (res: ApiResponse, status: number, code: string, mentions?: string): void => {
      expectError(h, res, status, code);
      if (mentions !== undefined)
        assert.ok(
          String(res.json.meta.ret_msg).includes(mentions),
          `ret_msg names ${mentions}: ${res.json.meta.ret_msg}`,
        );
    };
    const declare = (m: TestMerchant, paymentId: string, body: unknown) =>
      h.call(m, 'POST', `/payments/payment/${paymentId}/apply_to_customs`, body);
    const getDeclaration = (m: TestMerchant, id: string) => h.call(m, 'GET', `/payments/customs_declarations/${id}`);
    const download = (m: TestMerchant, query: string) => h.call(m, 'GET', `/payments/customs_download${query}`);
    const paid = (m: TestMerchant = shop) => customsPayment(h, m, server.notifyUrl);

    async function declared(
      p: CustomsPayment,
      overrides: Record<string, unknown> = {},
      m: TestMerchant = shop,
    ): Promise<Record<string, any>> {
      const res = await declare(m, p.id, declarationBody(p.customsSub, { notify_url: server.notifyUrl, ...overrides }));
      ok(res, 201);
      return res.json.customs_declarations[0];
    }

    async function stateOf(id: string): Promise<string> {
      const res = await getDeclaration(shop, id);
      ok(res);
      return res.json.customs_declarations[0].state;
    }

    before(async () => {
      h = await startHarness(kind);
      server = await startMerchantServer(h.platformCert.toString());
      shop = await h.merchant({ name: 'Customs Shop' });
      otherShop = await h.merchant({ name: 'Someone Else' });
    });
    after(async () => {
      await server?.close();
      await h?.close();
    });

    // ---- the happy path ---------------------------------------------------------------------------

    test(
      'declaration: 201 in the reference shape, ACCEPTED -> SUBMITED -> SUCCESS, ' +
        'one signed notification verified by the merchant',
      async () => {
        const p = await paid();
        const res = await declare(shop, p.id, declarationBody(p.customsSub, { notify_url: server.notifyUrl }));
        ok(res, 201);
        const d = res.json.customs_declarations[0];
        assert.equal(res.json.customs_declarations.length, 1, 'one declaration in customs_declarations');
        assert.match(d.id, /^CUST_[A-Z2-7]{21}$/, 'declaration id');
        assert.equal(d.state, 'ACCEPTED');
        assert.equal(d.customs_id, 'NB');
        assert.equal(d.mer_customs_code, '3302961234');
        assert.equal(d.ec_plat_id, '3302960001');
        assert.deepEqual(d.freight_amount, { total: '5.00', currency: 'USD', total_cny: '35.62' }, 'freight as given');
        assert.deepEqual(
          d.tax_amount,
          { total: '0.00', currency: 'CNY', total_cny: '0.00' },
          'a zero CNY tax, numbers turned to strings',
        );
        assert.deepEqual(
          d.sub_order_amount,
          { total: '50.02', currency: 'USD', total_cny: expectedCny('50.02', p.rate) },
          'total_cny at the locked rate when not given',
        );
        assert.deepEqual(d.sub_order, {
          mer_sub_reference_id: p.customsSub,
          items: [{ mer_item_id: 'tee' }, { mer_item_id: 'cap' }],
        });
        assert.equal(d.notify_url, server.notifyUrl);
        assert.equal(d.customs_clearance_date, chinaDateOf(h.clock.now()), 'the China date of the declaration');
        assert.equal(d.parent_payment, p.id);
        const expectedLinks = [
          ['parent_payment', 'GET', `${h.api}/payments/payment/${p.id}`],
          ['self', 'GET', `${h.api}/payments/customs_declarations/${d.id}`],
        ];
        assert.deepEqual(
          res.json.links.map((l: any) => [l.ref, l.method, l.href]),
          expectedLinks,
          'top-level links: parent_payment then self',
        );
        assert.deepEqual(
          d.links.map((l: any) => [l.rel, l.method, l.href]),
          expectedLinks,
          'the declaration carries the same links',
        );
        assert.deepEqual(
          Object.keys(res.json),
          ['meta', 'links', 'customs_declarations'],
          'the reference 3.9 response members',
        );

        // GET through the self link: the same object.
        const got = await h.call(shop, 'GET', d.links[1].href);
        ok(got);
        assert.deepEqual(got.json.customs_declarations[0], d, 'GET returns what the POST returned');
        assert.deepEqual(got.json.links, res.json.links);

        await submitDue(h);
        const submitted = (await getDeclaration(shop, d.id)).json.customs_declarations[0];
        assert.equal(submitted.state, 'SUBMITED', 'handed to the customs office after its delay');
        assert.ok(submitted.submitted_time, 'submitted_time');
        await answerDue(h);
        assert.equal(await stateOf(d.id), 'SUCCESS');

        const { declaration, delivery } = await customsNotification(server, d.id, 'SUCCESS');
        const final = (await getDeclaration(shop, d.id)).json.customs_declarations[0];
        assert.deepEqual(declaration, final, 'the notification carries the declaration as GET shows it');
        assert.ok(final.completed_time, 'completed_time');
        assert.equal(final.error, undefined, 'no error on SUCCESS');
        assert.equal(
          JSON.parse(delivery.rawBody).customs_declaration.id,
          d.id,
          'body is {"customs_declaration":{...}}',
        );
        assert.ok(
          verifySha256WithRsa(h.platformCert.publicKey, delivery.rawBody, delivery.signature!),
          'notification signed with the platform key',
        );
        assert.equal(server.rejected.length, 0, 'every notification verified');

        const outbox = await h.gateway.context.db
          .selectFrom('outbox')
          .selectAll()
          .where('object_id', '=', d.id)
          .execute();
        assert.equal(outbox.length, 1, 'one notification: the final state');
        assert.equal(outbox[0]!.object_type, 'customs_declaration');
        const events = await h.gateway.context.db
          .selectFrom('payment_events')
          .select(['type', 'detail'])
          .where('payment_id', '=', p.id)
          .orderBy('at')
          .orderBy('id')
          .execute();
        const customsEvents = events.filter((e) => e.type.startsWith('customs_')).map((e) => e.type);
        assert.deepEqual(
          customsEvents,
          ['customs_accepted', 'customs_submited', 'customs_success'],
          'the timeline of the payment',
        );
      },
    );

    test(
      'several processes on one declaration: each move applies once (conditional updates), one event per move, ' +
        'one notification',
      async () => {
        const p = await paid();
        const d = await declared(p);
        const db = h.gateway.context.db;
        // Two more "processes" working on the same rows, as a second gateway would.
        const ctx = h.gateway.context;
        const otherProcess = () => createContext({ config: ctx.config, dataDir: h.dataDir, clock: h.clock }, ctx.store);
        const first = (await otherProcess()).services.customs;
        const second = (await otherProcess()).services.customs;
        const read = async () => (await ctx.repositories.customs.findOfMerchant(shop.id, d.id))!;

        const accepted = await read();
        h.clock.advance(SANDBOX_CUSTOMS_SUBMIT_DELAY_MS);
        const submits = await Promise.all([
          first.advance(accepted),
          second.advance(accepted),
          h.gateway.customsJobs.runOnce(),
        ]);
        const submitted = await read();
        assert.equal(submitted.state, 'SUBMITED');
        // (The harness's own customs worker may win the race too: at most one of these three moved it.)
        assert.ok(
          submits.filter((moved) => moved === true).length + submits[2] <= 1,
          `at most one of them moved it: ${JSON.stringify(submits)}`,
        );
        assert.equal(await first.advance(accepted), false, 'a stale ACCEPTED read cannot move it again');

        h.clock.advance(SANDBOX_CUSTOMS_ANSWER_DELAY_MS);
        const answers = await Promise.all([
          first.advance(submitted),
          second.advance(submitted),
          h.gateway.customsJobs.runOnce(),
        ]);
        assert.ok(
          answers.filter((moved) => moved === true).length + answers[2] <= 1,
          `at most one of them finished it: ${JSON.stringify(answers)}`,
        );
        assert.equal((await read()).state, 'SUCCESS');
        await h.gateway.customsJobs.runOnce();
        assert.equal(await second.advance(submitted), false, 'a stale SUBMITED read cannot move it again');

        const events = await db.selectFrom('payment_events').select('type').where('payment_id', '=', p.id).execute();
        assert.deepEqual(
          events
            .map((e) => e.type)
            .filter((t) => t.startsWith('customs_'))
            .sort(),
          ['customs_accepted', 'customs_submited', 'customs_success'],
          'one event per move',
        );
        const outbox = await db.selectFrom('outbox').select('id').where('object_id', '=', d.id).execute();
        assert.equal(outbox.length, 1, 'one notification');
        await customsNotification(server, d.id, 'SUCCESS');
      },
    );

    test(
      "notify_url defaults to the payment's; a liberal request (wrapper, camelCase, trailing spaces, numbers, " +
        'lower-case office) is the same declaration',
      async () => {
        const p = await paid();
        const body = {
          customsDeclaration: {
            'customs_id ': 'hz',
            merCustomsCode: 3302961234,
            ecPlatId: '3302960001',
            freightAmount: { total: 5, currency: 'USD', totalCny: '35.62' },
            taxAmount: { total: '0', currency: 'USD', total_cny: '0' },
            subOrderAmount: { total: '50.02', total_cny: '356.32', currency: 'usd' },
            subOrder: { merSubReferenceId: p.customsSub, items: [{ merItemId: 'cap' }] },
            interface_type: 'ignored',
          },
        };
        const res = await declare(shop, p.id, body);
        ok(res, 201);
        const d = res.json.customs_declarations[0];
        assert.equal(d.customs_id, 'HZ');
        assert.equal(d.mer_customs_code, '3302961234');
        assert.deepEqual(d.freight_amount, { total: '5.00', currency: 'USD', total_cny: '35.62' });
        assert.deepEqual(d.tax_amount, { total: '0.00', currency: 'USD', total_cny: '0.00' });
        assert.deepEqual(
          d.sub_order_amount,
          { total: '50.02', currency: 'USD', total_cny: '356.32' },
          'a given total_cny is kept',
        );
        assert.deepEqual(d.sub_order.items, [{ mer_item_id: 'cap' }]);
        assert.equal(d.notify_url, p.payment.notify_url, "the payment's notify_url");
      },
    );

    test(
      'the sandbox office refuses a mer_customs_code ending in 13: FAIL with 00202018 and its reason, ' +
        'notified; the sub-order can then be declared again',
      async () => {
        const p = await paid();
        const d = await declared(p, { mer_customs_code: '3302960013' });
        // While it is live, another declaration of the sub-order is refused.
        fails(await declare(shop, p.id, declarationBody(p.customsSub)), 409, '00202013', p.customsSub);
        await submitDue(h);
        await answerDue(h);
        const { declaration } = await customsNotification(server, d.id, 'FAIL');
        assert.equal(declaration.state, 'FAIL');
        assert.equal(declaration.error?.ret_code, '00202018', 'the office refused it');
        assert.match(
          declaration.error?.ret_msg ?? '',
          /Ningbo customs .*3302960013/,
          'the reason names the office and the code',
        );
        const got = (await getDeclaration(shop, d.id)).json.customs_declarations[0];
        assert.deepEqual(got, declaration, 'GET shows the FAIL declaration as notified');

        const again = await declared(p);
        assert.notEqual(again.id, d.id, 'a new declaration');
        assert.equal(again.state, 'ACCEPTED');
        fails(await declare(shop, p.id, declarationBody(p.customsSub)), 409, '00202013', again.id);
        await submitDue(h);
        await answerDue(h);
        assert.equal(await stateOf(again.id), 'SUCCESS');
        assert.equal(await stateOf(d.id), 'FAIL', 'the failed one stays FAIL');
        fails(await declare(shop, p.id, declarationBody(p.customsSub)), 409, '00202013', 'SUCCESS');
      },
    );

    // ---- refusals ---------------------------------------------------------------------------------

    test("00060760: an unknown payment, a malformed id, and another merchant's payment are 404", async () => {
      const p = await paid();
      fails(await declare(shop, 'PAY_NOSUCHPAYMENT', declarationBody(p.customsSub)), 404, '00060760');
      fails(await declare(shop, 'not-a-payment', declarationBody(p.customsSub)), 404, '00060760');
      fails(await declare(otherShop, p.id, declarationBody(p.customsSub)), 404, '00060760');
    });

    test('00060764: a payment that is not TRADE_SUCCESS (unpaid, failed) cannot be declared', async () => {
      const unpaid = await customsPayment(h, shop, server.notifyUrl, { pay: false });
      fails(await declare(shop, unpaid.id, declarationBody(unpaid.customsSub)), 409, '00060764', 'WAIT_BUYER_PAY');
      const failed = await customsPayment(h, shop, server.notifyUrl, { pay: false });
      await payOnSandbox(h, failed.id, 'fail');
      fails(await declare(shop, failed.id, declarationBody(failed.customsSub)), 409, '00060764', 'TRADE_');
    });

    test('00202012: a customs office that is not on the list', async () => {
      const p = await paid();
      fails(
        await declare(shop, p.id, declarationBody(p.customsSub, { customs_id: 'XX' })),
        400,
        '00202012',
        'customs_id',
      );
      fails(
        await declare(shop, p.id, declarationBody(p.customsSub, { customs_id: 'NINGBO' })),
        400,
        '00202012',
        'customs_id',
      );
    });

    test('00202014: a sub-order created without is_customs', async () => {
      const p = await paid();
      fails(
        await declare(
          shop,
          p.id,
          declarationBody(p.plainSub, {
            sub_order: { mer_sub_reference_id: p.plainSub, items: [{ mer_item_id: 'mug' }] },
          }),
        ),
        400,
        '00202014',
        p.plainSub,
      );
    });

    test('00202015: no sub_order, no mer_sub_reference_id, or a sub-order the payment does not have', async () => {
      const p = await paid();
      const { sub_order: _, ...withoutSub } = declarationBody(p.customsSub);
      fails(await declare(shop, p.id, withoutSub), 400, '00202015', 'sub_order');
      fails(
        await declare(shop, p.id, declarationBody(p.customsSub, { sub_order: { items: [{ mer_item_id: 'tee' }] } })),
        400,
        '00202015',
        'sub_order.mer_sub_reference_id',
      );
      fails(
        await declare(
          shop,
          p.id,
          declarationBody(p.customsSub, {
            sub_order: { mer_sub_reference_id: 'NOPE-1', items: [{ mer_item_id: 'tee' }] },
          }),
        ),
        400,
        '00202015',
        'NOPE-1',
      );
    });

    test('00202016: items absent, empty, without mer_item_id, or not items of the sub-order', async () => {
      const p = await paid();
      const sub = (items: unknown) =>
        declarationBody(p.customsSub, {
          sub_order: { mer_sub_reference_id: p.customsSub, ...(items === undefined ? {} : { items }) },
        });
      fails(await declare(shop, p.id, sub(undefined)), 400, '00202016', 'sub_order.items');
      fails(await declare(shop, p.id, sub([])), 400, '00202016', 'sub_order.items');
      fails(
        await declare(shop, p.id, sub([{ mer_item_id: 'tee' }, { name: 'cap' }])),
        400,
        '00202016',
        'sub_order.items[1].mer_item_id',
      );
      fails(
        await declare(shop, p.id, sub([{ mer_item_id: 'tee' }, { mer_item_id: 'mug' }])),
        400,
        '00202016',
        'sub_order.items[1].mer_item_id mug',
      );
    });

    test('00060700: required fields, identifiers, amounts and currencies, each named in the message', async () => {
      const p = await paid();
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ customs_id: undefined }, 'customs_id is required'],
        [{ customs_id: '' }, 'customs_id is required'],
        [{ mer_customs_code: undefined }, 'mer_customs_code is required'],
        [{ mer_customs_code: '3302,961234' }, 'mer_customs_code may only hold'],
        [{ ec_plat_id: '  ' }, 'ec_plat_id is required'],
        [{ ec_plat_id: 'x'.repeat(65) }, 'ec_plat_id is longer than 64'],
        [{ freight_amount: undefined }, 'freight_amount is required'],
        [{ tax_amount: '0' }, 'tax_amount must be an amount object'],
        [{ sub_order_amount: { total: '50.02' } }, 'sub_order_amount.currency is required'],
        [{ sub_order_amount: { total: '50.02', currency: 'EUR' } }, 'sub_order_amount.currency is EUR'],
        [{ sub_order_amount: { total: '50.02', currency: 'XYZ' } }, 'sub_order_amount.currency'],
        [{ sub_order_amount: { total: '50.021', currency: 'USD' } }, 'sub_order_amount.total has more decimal places'],
        [{ sub_order_amount: { total: '-1', currency: 'USD' } }, 'sub_order_amount.total must be a decimal amount'],
        [{ sub_order_amount: { total: '0', currency: 'USD' } }, 'sub_order_amount.total must be larger than 0'],
        [{ sub_order_amount: { total: 1e21, currency: 'USD' } }, 'sub_order_amount.total must be a decimal amount'],
        [
          { freight_amount: { total: '5.00', currency: 'USD', total_cny: 'abc' } },
          'freight_amount.total_cny must be a decimal amount',
        ],
        [
          { tax_amount: { total: '1.00', currency: 'CNY', total_cny: '2.00' } },
          'tax_amount.total_cny must equal total',
        ],
        [{ notify_url: 'ftp://shop.example/n' }, 'notify_url must be an absolute http(s) URL'],
        [
          {
            sub_order: { mer_sub_reference_id: p.customsSub, items: [{ mer_item_id: 'tee' }, { mer_item_id: 'tee' }] },
          },
          'sub_order.items[1].mer_item_id tee appears twice',
        ],
      ];
      for (const [overrides, mention] of cases) {
        const body = declarationBody(p.customsSub, overrides);
        for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete body[k];
        fails(await declare(shop, p.id, body), 400, '00060700', mention);
      }
      fails(await declare(shop, p.id, '{"customs_id":'), 400, '00060701');
      const rows = await h.gateway.context.db
        .selectFrom('customs_declarations')
        .select('id')
        .where('payment_id', '=', p.id)
        .execute();
      assert.equal(rows.length, 0, 'no refused request left a declaration');
    });

    test('concurrent declarations of one sub-order: exactly one is accepted, the others are 00202013', async () => {
      const p = await paid();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          declare(shop, p.id, declarationBody(p.customsSub, { mer_customs_code: `33029600${10 + i}` })),
        ),
      );
      const accepted = results.filter((r) => r.status === 201);
      assert.equal(accepted.length, 1, `one winner: ${results.map((r) => r.status).join(' ')}`);
      for (const r of results) if (r.status !== 201) fails(r, 409, '00202013');
      const rows = await h.gateway.context.db
        .selectFrom('customs_declarations')
        .select(['id', 'state'])
        .where('payment_id', '=', p.id)
        .execute();
      assert.deepEqual(
        rows.map((r) => r.id),
        [accepted[0]!.json.customs_declarations[0].id],
        'one row in the database',
      );
    });

    test(
      'the partial unique index itself refuses a second live declaration of a sub-order, ' +
        'and allows one next to a FAIL',
      async () => {
        const p = await paid();
        const d = await declared(p);
        const db = h.gateway.context.db;
        const stored = await db
          .selectFrom('customs_declarations')
          .selectAll()
          .where('id', '=', d.id)
          .executeTakeFirstOrThrow();
        const row = {
          ...stored,
          created_at: Number(stored.created_at),
          updated_at: Number(stored.updated_at),
          resolve_at: null,
          submitted_at: null,
          completed_at: null,
        };
        await assert.rejects(
          db
            .insertInto('customs_declarations')
            .values({ ...row, id: 'CUST_DUPLICATEBYHAND' })
            .execute(),
          /unique/i,
          'a second live row violates the index',
        );
        await db
          .insertInto('customs_declarations')
          .values({ ...row, id: 'CUST_FAILEDBYHAND', state: 'FAIL' })
          .execute();
        await db.deleteFrom('customs_declarations').where('id', '=', 'CUST_FAILEDBYHAND').execute();
      },
    );

    test(
      '00202017: declarations are accepted until one calendar month after mer_date (China date), ' + 'not a day later',
      async () => {
        const early = await paid();
        const late = await paid();
        const last = lastCustomsDate(early.merDate);
        const dayNumber = (yyyymmdd: string) =>
          Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8))) / DAY;
        const daysToLast = dayNumber(last) - dayNumber(chinaDateOf(h.clock.now()));
        assert.ok(daysToLast >= 27 && daysToLast <= 31, `the window is a calendar month (${daysToLast} days)`);
        const start = h.clock.offset;
        try {
          h.clock.advance(daysToLast * DAY);
          assert.equal(chinaDateOf(h.clock.now()), last, 'the clock is on the last day');
          await h.token(shop);
          const d = await declared(early);
          assert.equal(d.customs_clearance_date, last);
          h.clock.advance(DAY);
          await h.token(shop);
          fails(await declare(shop, late.id, declarationBody(late.customsSub)), 409, '00202017', `until ${last}`);
        } finally {
          h.clock.offset = start;
          await h.token(shop);
        }
      },
    );

    // ---- the payment's link, isolation ---------------------------------------------------------------

    test("the hosted-checkout payment's apply_to_customs link declares the payment", async () => {
      const body = customsPaymentBody(h, server.notifyUrl, {
        payment_method: 'NOT_APPLICABLE',
        interface_type: 'SERVER_TO_WEB',
      });
      const created = await h.call(shop, 'POST', '/payments/payment', body);
      ok(created, 201);
      const id = created.json.payment.id as string;
      await payOnSandbox(h, id, 'success');
      const payment = (await h.call(shop, 'GET', `/payments/payment/${id}`)).json.payment;
      assert.equal(payment.state, 'TRADE_SUCCESS');
      const link = payment.links.find((l: any) => l.ref === 'apply_to_customs');
      assert.ok(link, `apply_to_customs link in ${JSON.stringify(payment.links)}`);
      assert.equal(link.method, 'POST');
      assert.equal(link.href, `${h.api}/payments/payment/${id}/apply_to_customs`);
      const sub = `${(body.order as { mer_reference_id: string }).mer_reference_id}-C`;
      const res = await h.call(shop, 'POST', link.href, declarationBody(sub));
      ok(res, 201);
      assert.equal(res.json.customs_declarations[0].parent_payment, id);
    });

    test(
      'a paid QR payment with a customs sub-order advertises apply_to_customs after refund; ' +
        'unpaid or customs-free payments do not',
      async () => {
        const paid = await customsPayment(h, shop, server.notifyUrl);
        assert.deepEqual(
          paid.payment.links.map((l: any) => l.ref),
          ['self', 'refund', 'apply_to_customs'],
        );
        const link = paid.payment.links[2];
        assert.equal(link.href, `${h.api}/payments/payment/${paid.id}/apply_to_customs`);
        const viaLink = await h.call(shop, 'POST', link.href, declarationBody(paid.customsSub));
        ok(viaLink, 201);
        assert.equal(viaLink.json.customs_declarations[0].parent_payment, paid.id, 'the link declares that payment');
        assert.equal(viaLink.json.customs_declarations[0].state, 'ACCEPTED', viaLink.text);
        const unpaid = await customsPayment(h, shop, server.notifyUrl, { pay: false });
        assert.deepEqual(
          unpaid.payment.links.map((l: any) => l.ref),
          ['self'],
        );
        const plain = customsPaymentBody(h, server.notifyUrl);
        for (const sub of (plain as any).order.sub_orders) sub.is_customs = 'FALSE';
        const created = await h.call(shop, 'POST', '/payments/payment', plain);
        ok(created, 201);
        await payOnSandbox(h, created.json.payment.id, 'success');
        const got = await h.call(shop, 'GET', `/payments/payment/${created.json.payment.id}`);
        assert.deepEqual(
          got.json.payment.links.map((l: any) => l.ref),
          ['self', 'refund'],
        );
      },
    );

    test("00060772: another merchant's declaration, an unknown one and a malformed id are 404", async () => {
      const p = await paid();
      const d = await declared(p);
      fails(await getDeclaration(otherShop, d.id), 404, '00060772');
      fails(await getDeclaration(shop, 'CUST_AAAAAAAAAAAAAAAAAAAAA'), 404, '00060772');
      fails(await getDeclaration(shop, 'REFUND_X'), 404, '00060772');
      const own = await getDeclaration(shop, d.id);
      ok(own);
      assert.equal(own.json.customs_declarations[0].id, d.id, 'the owner gets its declaration');
    });

    // ---- the customs list file --------------------------------------------------------------------

    test("customs_download: the signed file, line by line, only the merchant's declarations of that date", async () => {
      const dl = await h.merchant({ name: 'Download Shop' });
      const p1 = await paid(dl);
      const p2 = await paid(dl);
      const a = await declared(p1, { customs_id: 'GZ' }, dl);
      const b = await declared(
        p2,
        { mer_customs_code: '4401960013', tax_amount: { total: '1.50', currency: 'CNY' } },
        dl,
      );
      await submitDue(h);
      await answerDue(h);
      await customsNotification(server, b.id, 'FAIL');
      // Someone else's declaration the same day.
      await declared(await paid(otherShop), {}, otherShop);

      const db = h.gateway.context.db;
      const rows = await db
        .selectFrom('customs_declarations')
        .selectAll()
        .where('merchant_id', '=', dl.id)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      assert.deepEqual(rows.map((r) => r.id).sort(), [a.id, b.id].sort());
      const date = rows[0]!.customs_clearance_date;
      assert.ok(
        rows.every((r) => r.customs_clearance_date === date),
        'made on one China date',
      );

      const res = await download(dl, `?customs_date=${date}`);
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; charset=utf-8/);
      assert.equal(res.headers.get('content-disposition'), `attachment; filename="CUSTOMS_${dl.id}_${date}.txt"`);
      const signature = res.headers.get('signature');
      assert.ok(signature, 'Signature header');
      assert.ok(
        verifySha256WithRsa(h.platformCert.publicKey, Buffer.from(res.text, 'utf8'), signature),
        'the file verifies with the platform certificate',
      );
      assert.ok(
        !verifySha256WithRsa(h.platformCert.publicKey, Buffer.from(res.text.replace('GZ', 'HZ'), 'utf8'), signature),
        'an altered file does not',
      );

      assert.ok(res.text.endsWith('\n'), 'the file ends with a newline');
      assert.ok(!res.text.includes('\r'), 'lines end with \\n only');
      const lines = res.text.slice(0, -1).split('\n');
      assert.equal(lines.length, 4, res.text);
      assert.equal(lines[0], `CUSTOMSDETAIL-START,${dl.id},${date}`);
      assert.equal(lines[3], `CUSTOMSDETAIL-End,${dl.id},${date},2`);
      const payments = new Map([
        [p1.id, p1],
        [p2.id, p2],
      ]);
      rows.forEach((row, i) => {
        const p = payments.get(row.payment_id)!;
        const updated = new Date(Number(row.updated_at) + 8 * 3600_000).toISOString();
        const stamp =
          updated.slice(0, 4) +
          updated.slice(5, 7) +
          updated.slice(8, 10) +
          updated.slice(11, 13) +
          updated.slice(14, 16) +
          updated.slice(17, 19);
        const isB = row.id === b.id;
        const expected = [
          row.id,
          p.id,
          p.merReferenceId,
          p.merDate,
          p.customsSub,
          isB ? 'NB' : 'GZ',
          isB ? '4401960013' : '3302961234',
          '3302960001',
          expectedCny('50.02', p.rate),
          '35.62',
          isB ? '1.50' : '0.00',
          isB ? 'FAIL' : 'SUCCESS',
          date,
          stamp,
        ];
        assert.deepEqual(lines[i + 1]!.split(','), expected, `line ${i + 2}`);
      });

      const mine = await download(otherShop, `?customs_date=${date}`);
      assert.equal(mine.status, 200, mine.text);
      assert.ok(
        !mine.text.includes(a.id) && !mine.text.includes(b.id),
        "another merchant's file has none of these declarations",
      );
      assert.ok(mine.text.startsWith(`CUSTOMSDETAIL-START,${otherShop.id},${date}\n`), 'its own header');

      const empty = await download(dl, '?customs_date=20200101');
      assert.equal(empty.status, 200, empty.text);
      assert.equal(empty.text, `CUSTOMSDETAIL-START,${dl.id},20200101\nCUSTOMSDETAIL-End,${dl.id},20200101,0\n`);
      assert.ok(
        verifySha256WithRsa(h.platformCert.publicKey, empty.text, empty.headers.get('signature')!),
        'an empty file is signed too',
      );
    });

    test('customs_download: a missing or malformed customs_date is 00060700 (signed JSON)', async () => {
      fails(await download(shop, ''), 400, '00060700', 'customs_date is required');
      fails(await download(shop, '?customs_date='), 400, '00060700', 'customs_date is required');
      fails(await download(shop, '?customs_date=20261332'), 400, '00060700', 'customs_date must be a date');
      fails(await download(shop, '?customs_date=2026-11-23'), 400, '00060700', 'customs_date');
      fails(await download(shop, '?customs_date=20261101&customs_date=20261102'), 400, '00060700', 'customs_date');
    });
  });
}
