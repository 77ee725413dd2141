/**
 * B2B and personal online-banking payments as a merchant creates them (reference 4.3, objs.md
 * `payer`, WIRE-NOTES "B2B"), over HTTP against a real gateway, on SQLite and PostgreSQL:
 *
 * - every accepted shape: the reference sample (B2B_ONLINE_BANKING, CHECKOUT_COUNTER_WEB, the
 *   company in bank_card.external_customer_id, no business_type), NOT_APPLICABLE + DIRECT_TO_BANK,
 *   an enterprise_qualification element by external_enterprise_id or by id, foreign-currency orders
 *   with the locked rate, B2C_ONLINE_BANKING; links self, refund, apply_to_customs, upay in order;
 * - refusals with nothing created: an unknown company (another merchant's too), a DISABLE company,
 *   no company, no or an unknown bank_code, methods and interfaces that do not go together.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startHarness,
  expectOk,
  expectError,
  expectedCny,
  type Harness,
  type TestMerchant,
} from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { b2bSampleOrder, registerCompany } from '../helpers/b2b.ts';
import type { EnterpriseRecord } from '../../src/enterprises/enterprise-record.ts';
import { sdkClient } from '../helpers/sdk-client.ts';
import type { B2bPayerInput, CreatePaymentParams } from 'umf-sdk';

let seq = 0;
const ref = (label: string): string => `B2B${label}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase();

for (const kind of testDatabaseUrls()) {
  describe(`B2B payments: create (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;
    let otherShop: TestMerchant;
    let company: EnterpriseRecord;
    let disabled: EnterpriseRecord;
    let othersCompany: EnterpriseRecord;

    before(async () => {
      h = await startHarness(kind, { workers: false });
      shop = await h.merchant({ name: 'Huaxi Trading' });
      otherShop = await h.merchant({ name: 'Other Shop' });
      company = await registerCompany(h, shop, { externalId: '10006666' });
      disabled = await registerCompany(h, shop, { enabled: false });
      othersCompany = await registerCompany(h, otherShop, { externalId: 'OTHER-1' });
    });
    after(async () => h.close());

    const count = async () =>
      Number(
        (
          await h.gateway.context.db
            .selectFrom('payments')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirst()
        )?.n,
      );

    test('the 4.3 sample: B2B_ONLINE_BANKING, CHECKOUT_COUNTER_WEB, the company by external_customer_id', async () => {
      const res = await h.call(
        shop,
        'POST',
        '/payments/payment',
        b2bSampleOrder(ref('S'), company.external_enterprise_id),
      );
      expectOk(h, res, 201);
      const payment = res.json.payment;
      assert.equal(payment.state, 'WAIT_BUYER_PAY');
      assert.equal(payment.payer.payment_method, 'B2B_ONLINE_BANKING');
      assert.equal(payment.payer.interface_type, 'SERVER_TO_WEB', 'CHECKOUT_COUNTER_WEB is the web checkout');
      assert.equal(payment.payer.business_type, 'B2B', 'B2B follows from the method');
      assert.equal(payment.payer.bank_code, 'CCB');
      assert.deepEqual(payment.payer.enterprise_qualification, {
        id: company.id,
        external_enterprise_id: '10006666',
      });
      assert.deepEqual(payment.order.amount, {
        total: '200.04',
        currency: 'CNY',
        total_cny: '200.04',
        exchange_rate: { rate: '1', currency: 'CNY' },
      });
      assert.deepEqual(
        res.json.links.map((l: { ref: string }) => l.ref),
        ['self', 'refund', 'apply_to_customs', 'upay'],
      );
      assert.match(
        res.json.links[3].href,
        /\/checkout\/PAY_[A-Z0-9]+\?t=[0-9a-f]{32}$/,
        'web checkout: the hosted checkout',
      );
      const row = await h.gateway.context.repositories.payments.findById(payment.id);
      assert.equal(row?.enterprise_id, company.id);
      assert.equal(row?.channel, 'B2B_ONLINE_BANKING');
      assert.equal(row?.funds_state, null, 'nothing held before it is paid');
    });

    test('NOT_APPLICABLE + DIRECT_TO_BANK + bank_code (objs.md), the company by enterprise_qualification', async () => {
      for (const [element, businessType] of [
        [{ external_enterprise_id: company.external_enterprise_id }, 'B2B'],
        [{ id: company.id }, undefined],
      ] as const) {
        const order = b2bSampleOrder(ref('D'), '', {
          payer: {
            payment_method: 'NOT_APPLICABLE',
            interface_type: 'DIRECT_TO_BANK',
            ...(businessType ? { business_type: businessType } : {}),
            bank_code: 'icbc',
            enterprise_qualification: element,
          },
        });
        const res = await h.call(shop, 'POST', '/payments/payment', order);
        expectOk(h, res, 201);
        assert.equal(res.json.payment.payer.business_type, 'B2B');
        assert.equal(res.json.payment.payer.bank_code, 'ICBC');
        assert.equal(res.json.payment.payer.enterprise_qualification.id, company.id);
        const links = res.json.links as Array<{ ref: string; href: string }>;
        assert.deepEqual(
          links.map((l) => l.ref),
          ['self', 'refund', 'apply_to_customs', 'upay'],
        );
        assert.match(
          links[3]!.href,
          /\/sandbox\/bank\/icbc\/PAY_[A-Z0-9]+\?t=[0-9a-f]{32}$/,
          "DIRECT_TO_BANK: the bank's page",
        );
      }
    });

    test('a foreign-currency B2B order locks its rate as a B2C one does', async () => {
      const res = await h.call(
        shop,
        'POST',
        '/payments/payment',
        b2bSampleOrder(ref('F'), company.external_enterprise_id, { currency: 'USD', total: '1000.00' }),
      );
      expectOk(h, res, 201);
      const amount = res.json.payment.order.amount;
      assert.equal(amount.currency, 'USD');
      assert.equal(amount.total_cny, expectedCny('1000.00', amount.exchange_rate.rate));
    });

    test('B2C_ONLINE_BANKING: a person pays in their own online banking (DIRECT_TO_BANK by default)', async () => {
      const order = b2bSampleOrder(ref('P'), '', {
        payer: { payment_method: 'B2C_ONLINE_BANKING', bank_code: 'CMB', payer_info: { phone: '13800138000' } },
      });
      const res = await h.call(shop, 'POST', '/payments/payment', order);
      expectOk(h, res, 201);
      assert.equal(res.json.payment.payer.interface_type, 'DIRECT_TO_BANK');
      assert.equal(res.json.payment.payer.business_type, 'B2C');
      assert.equal(res.json.payment.payer.enterprise_qualification, undefined);
      assert.match(res.json.links[3].href, /\/sandbox\/bank\/cmb\//);
    });

    test("an unknown company, another merchant's, a DISABLE one: 00060780 / 00060782 and nothing created", async () => {
      const before = await count();
      for (const externalId of ['NO-SUCH-COMPANY', othersCompany.external_enterprise_id]) {
        const res = await h.call(shop, 'POST', '/payments/payment', b2bSampleOrder(ref('U'), externalId));
        expectError(h, res, 404, '00060780');
        assert.match(res.json.meta.ret_msg, /^Enterprise qualification not exist/);
      }
      const byId = b2bSampleOrder(ref('U'), '', {
        payer: {
          payment_method: 'B2B_ONLINE_BANKING',
          interface_type: 'DIRECT_TO_BANK',
          bank_code: 'CCB',
          enterprise_qualification: { id: othersCompany.id },
        },
      });
      expectError(h, await h.call(shop, 'POST', '/payments/payment', byId), 404, '00060780');
      const res = await h.call(
        shop,
        'POST',
        '/payments/payment',
        b2bSampleOrder(ref('X'), disabled.external_enterprise_id),
      );
      expectError(h, res, 403, '00060782');
      assert.match(res.json.meta.ret_msg, /^The enterprise has not passed the qualification review/);
      assert.equal(await count(), before, 'nothing created');
    });

    test('the SDK: payments.create with a B2bPayerInput (DIRECT_TO_BANK, B2B by default) and the sample', async () => {
      const client = sdkClient(h, shop);
      const sample = b2bSampleOrder(ref('K'), '') as unknown as CreatePaymentParams;
      const params: CreatePaymentParams<B2bPayerInput> = {
        ...sample,
        payer: {
          payment_method: 'B2B_ONLINE_BANKING',
          bank_code: 'CCB',
          enterprise_qualification: { external_enterprise_id: company.external_enterprise_id },
        },
      };
      const created = await client.payments.create(params);
      assert.equal(created.payment.state, 'WAIT_BUYER_PAY');
      assert.equal(created.payment.payer?.interface_type, 'DIRECT_TO_BANK');
      assert.equal(created.payment.payer?.business_type, 'B2B');
      assert.equal(created.payment.payer?.enterprise_qualification?.id, company.id);
      assert.equal(created.links?.[3]?.ref, 'upay');
      // The reference sample as it is (empty card fields, the company in external_customer_id).
      const asSample = await client.payments.create(
        b2bSampleOrder(ref('K'), company.external_enterprise_id) as unknown as CreatePaymentParams,
      );
      assert.equal(asSample.payment.payer?.enterprise_qualification?.external_enterprise_id, '10006666');
      await h.token(shop); // the SDK's token replaced the harness's (a new token disables the previous one)
    });

    test('no company, no bank_code, an unknown bank_code, wrong combinations: refused, nothing created', async () => {
      const before = await count();
      const refused: Array<[Record<string, unknown>, number, string, RegExp]> = [
        [
          { payment_method: 'B2B_ONLINE_BANKING', bank_code: 'CCB' },
          400,
          '00060700',
          /enterprise_qualification is required/,
        ],
        [
          { payment_method: 'B2B_ONLINE_BANKING', enterprise_qualification: { id: company.id } },
          400,
          '00060700',
          /bank_code is required/,
        ],
        [
          {
            payment_method: 'NOT_APPLICABLE',
            interface_type: 'DIRECT_TO_BANK',
            enterprise_qualification: { id: company.id },
          },
          400,
          '00060700',
          /bank_code is required/,
        ],
        [
          { payment_method: 'B2B_ONLINE_BANKING', bank_code: 'NOPE', enterprise_qualification: { id: company.id } },
          400,
          '00200027',
          /NOPE/,
        ],
        [
          // A bank of the card list whose online banking the platform does not reach.
          { payment_method: 'B2B_ONLINE_BANKING', bank_code: 'BJB', enterprise_qualification: { id: company.id } },
          400,
          '00200027',
          /BJB is not a bank of the platform's online banking/,
        ],
        [
          { payment_method: 'B2C_ONLINE_BANKING', payer_info: { phone: '13800138000' } },
          400,
          '00060700',
          /bank_code is required/,
        ],
        [
          {
            payment_method: 'B2B_ONLINE_BANKING',
            interface_type: 'SERVER_TO_SERVER',
            bank_code: 'CCB',
            enterprise_qualification: { id: company.id },
          },
          400,
          '00060700',
          /B2B_ONLINE_BANKING is not valid with interface_type SERVER_TO_SERVER and business_type B2B/,
        ],
        [
          { payment_method: 'B2B_ONLINE_BANKING', business_type: 'B2C', bank_code: 'CCB' },
          400,
          '00060700',
          /not valid with interface_type DIRECT_TO_BANK and business_type B2C/,
        ],
        [
          {
            payment_method: 'CREDIT_CARD',
            business_type: 'B2B',
            bank_code: 'CCB',
            enterprise_qualification: { id: company.id },
          },
          400,
          '00060700',
          /CREDIT_CARD is not valid/,
        ],
        [
          { payment_method: 'B2C_ONLINE_BANKING', interface_type: 'SERVER_TO_WEB', bank_code: 'CCB' },
          400,
          '00060700',
          /B2C_ONLINE_BANKING is not valid with interface_type SERVER_TO_WEB/,
        ],
      ];
      for (const [payer, status, code, message] of refused) {
        const res = await h.call(shop, 'POST', '/payments/payment', b2bSampleOrder(ref('R'), '', { payer }));
        expectError(h, res, status, code);
        assert.match(res.json.meta.ret_msg, message, JSON.stringify(payer));
      }
      assert.equal(await count(), before, 'nothing created');
    });
  });
}
