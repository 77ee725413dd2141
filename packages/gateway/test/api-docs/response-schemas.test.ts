/**
 * The response schemas tell the truth: a real gateway (the harness, on SQLite and PostgreSQL) is
 * driven through real flows, and every JSON answer is checked against the response schema of its
 * route both ways (Ajv validates it, and the schema describes every member it has: see
 * helpers/schema-coverage.ts). Flows: card payment create / verify / execute / query (a payer
 * agreement, a declined card), wallet QR (WeChat and Alipay, direct to bank), WeChat in-app and
 * official account, the hosted checkout, the WeChat open_id link, refunds (success and failure),
 * customs declarations (success and failure), the transactions list, the reconciliation statement
 * after a settlement run, banks, exchange rates, the token, an expired payment, error answers, and
 * the notifications the merchant receives (payment, refund, customs declaration objects).
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  startHarness,
  sampleOrder,
  type ApiResponse,
  type Harness,
  type TestMerchant,
} from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { startMerchantServer, type MerchantServer } from '../helpers/merchant-server.ts';
import { payOnSandbox, paymentBody, refund, refundBody, settleRefunds, today, uniqueRef } from '../helpers/refunds.ts';
import { answerDue, customsPayment, declarationBody, submitDue } from '../helpers/customs.ts';
import { assertAnswer } from '../helpers/schema-coverage.ts';
import { ErrorAnswer } from '../../src/http/common-schemas.ts';
import { Payment, PaymentAnswer, PaymentLinksAnswer, WechatOpenIdAnswer } from '../../src/payments/payment-schemas.ts';
import { CreateRefundAnswer, Refund, RefundAnswer } from '../../src/refunds/refund-schemas.ts';
import { CustomsDeclaration, CustomsDeclarationAnswer } from '../../src/customs/customs-schemas.ts';
import { TransactionsAnswer } from '../../src/reports/transaction-schemas.ts';
import { ReconciliationAnswer } from '../../src/settlement/reconciliation-schemas.ts';
import { BanksAnswer, ExchangeRatesAnswer } from '../../src/reference/reference-schemas.ts';
import { TokenAnswer } from '../../src/oauth/oauth-schemas.ts';

const PHONE = '13800138000';

for (const kind of testDatabaseUrls()) {
  describe(`response schemas against a real gateway (${kind.name})`, () => {
    let h: Harness;
    let m: TestMerchant;
    let shop: MerchantServer;
    /** Every answer checked, by schema $id: the last test checks each schema met real answers. */
    const checked = new Map<string, number>();

    function expectAnswer(schema: { $id: string }, res: ApiResponse, status: number): any {
      assert.equal(res.status, status, res.text);
      assert.ok(h.verifies(res.text), `signed: ${res.text.slice(0, 120)}`);
      assertAnswer(schema, res.json, `${schema.$id} (${res.text.slice(0, 80)}...)`);
      checked.set(schema.$id, (checked.get(schema.$id) ?? 0) + 1);
      return res.json;
    }

    function expectErrorAnswer(res: ApiResponse, status: number, code: string): void {
      assert.equal(res.json?.meta?.ret_code, code, res.text);
      expectAnswer(ErrorAnswer, res, status);
    }

    async function smsCode(paymentId: string): Promise<string> {
      const inbox = (await (await fetch(`${h.baseUrl}/sandbox/sms?phone=${PHONE}`)).json()) as {
        messages: Array<{ code: string; payment_id: string }>;
      };
      const code = inbox.messages.find((msg) => msg.payment_id === paymentId)?.code;
      assert.ok(code, `an SMS code for ${paymentId}`);
      return code;
    }

    function card(number: string) {
      return {
        number: h.encrypt(m, number),
        valid_date: h.encrypt(m, '3012'),
        cvv2: h.encrypt(m, '123'),
        payer_name: h.encrypt(m, 'Zhang San'),
        citizen_id_type: 'IDENTITY_CARD',
        citizen_id_number: h.encrypt(m, '11010519491231002X'),
      };
    }

    /** A card payment through create -> verify -> execute, every answer checked. */
    async function cardPayment(number: string, expected: string): Promise<any> {
      const created = expectAnswer(
        PaymentLinksAnswer,
        await h.call(m, 'POST', '/payments/payment', sampleOrder(uniqueRef('CARD'), { notify_url: shop.notifyUrl })),
        201,
      );
      const id = created.payment.id as string;
      assert.deepEqual(
        created.links.map((l: any) => l.ref),
        ['self', 'sms_verify'],
      );
      expectAnswer(PaymentAnswer, await h.call(m, 'GET', `/payments/payment/${id}`), 200);
      const verified = expectAnswer(
        PaymentLinksAnswer,
        await h.call(m, 'POST', `/payments/payment/${id}/verify`, {
          payer: { payer_info: { phone: PHONE, bank_card: card(number) } },
        }),
        200,
      );
      assert.deepEqual(
        verified.links.map((l: any) => l.ref),
        ['self', 'confirm'],
      );
      const executed = expectAnswer(
        PaymentLinksAnswer,
        await h.call(m, 'POST', `/payments/payment/${id}/execute`, {
          payer: { payer_info: { verify_code: await smsCode(id) } },
        }),
        200,
      );
      assert.equal(executed.payment.state, expected, JSON.stringify(executed));
      return expectAnswer(PaymentAnswer, await h.call(m, 'GET', `/payments/payment/${id}`), 200).payment;
    }

    before(async () => {
      h = await startHarness(kind);
      shop = await startMerchantServer(h.platformCert.toString());
      m = await h.merchant({ name: 'Schema Shop' });
    });
    after(async () => {
      await shop?.close();
      await h?.close();
    });

    test('the token answer', async () => {
      const res = await fetch(`${h.api}/oauth/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: m.clientId,
          client_secret: m.clientSecret,
          grant_type: 'client_credentials',
        }),
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.match(text, /^\{"access_token":"[0-9a-f]{64}","expires_in":\d+\}$/);
      assertAnswer(TokenAnswer, JSON.parse(text), 'TokenAnswer');
      checked.set('TokenAnswer', 1);
    });

    test('banks and exchange rates', async () => {
      for (const type of ['CREDIT_CARD', 'debit_card', '']) {
        const banks = expectAnswer(BanksAnswer, await h.call(m, 'GET', `/bank${type ? `?type=${type}` : ''}`), 200);
        assert.ok(banks.banks.length > 10);
      }
      for (const query of ['', '?currency=USD', '?currency=usd,%20EUR,JPY']) {
        const rates = expectAnswer(ExchangeRatesAnswer, await h.call(m, 'GET', `/exchange_rate${query}`), 200);
        assert.ok(rates.exchange_rates.length >= 1);
      }
    });

    test('a card payment: create, verify, execute, query; the payer agreement on the next payment', async () => {
      const paid = await cardPayment('6225760000040001', 'TRADE_SUCCESS');
      const agreement = paid.payer.payer_info.payer_agreement;
      assert.ok(agreement?.usr_pay_agreement_id, JSON.stringify(paid));
      assert.deepEqual(
        paid.links.map((l: any) => l.ref),
        ['self', 'refund', 'apply_to_customs'],
      );
      // The returning card: create with the agreement, verify with it (no card data), execute.
      const { usr_busi_agreement_id, usr_pay_agreement_id } = agreement;
      const again = expectAnswer(
        PaymentLinksAnswer,
        await h.call(
          m,
          'POST',
          '/payments/payment',
          sampleOrder(uniqueRef('AGR'), {
            payer: {
              payment_method: 'CREDIT_CARD',
              bank_code: 'CCB',
              payer_info: { phone: PHONE, payer_agreement: { usr_busi_agreement_id, usr_pay_agreement_id } },
            },
          }),
        ),
        201,
      );
      const id = again.payment.id as string;
      expectAnswer(
        PaymentLinksAnswer,
        await h.call(m, 'POST', `/payments/payment/${id}/verify`, {
          payer: { payer_info: { payer_agreement: { usr_busi_agreement_id, usr_pay_agreement_id } } },
        }),
        200,
      );
      const done = expectAnswer(
        PaymentLinksAnswer,
        await h.call(m, 'POST', `/payments/payment/${id}/execute`, {
          payer: { payer_info: { bank_card: { verify_code: await smsCode(id) } } },
        }),
        200,
      );
      assert.equal(done.payment.state, 'TRADE_SUCCESS');
    });

    test('a declined card (0002): TRADE_FAIL with its error', async () => {
      const failed = await cardPayment('6225760000030002', 'TRADE_FAIL');
      assert.equal(failed.error?.ret_code, '00060730');
      assert.equal(failed.payer.payer_info.bank_card?.last_four_cardid, '0002');
    });

    test('wallet payments: QR codes (also direct to bank), WeChat in-app and official account', async () => {
      const bodies = [
        paymentBody('WECHAT_SCAN', '100.02', 'USD'),
        paymentBody('ALIPAY_SCAN', '12345', 'JPY', undefined, {
          payer: { payment_method: 'ALIPAY_SCAN', interface_type: 'DIRECT_TO_BANK' },
        }),
        paymentBody('WECHAT_IN_APP', '8.00', 'EUR'),
        paymentBody('WECHAT_WEB', '8.00', 'USD', undefined, {
          payer: {
            payment_method: 'WECHAT_WEB',
            payer_info: {
              wechat_in_app_web: { open_id: await h.gateway.context.services.openIds.issue(m.id, 'Schema Payer') },
            },
          },
        }),
      ];
      for (const body of bodies) {
        const created = expectAnswer(PaymentLinksAnswer, await h.call(m, 'POST', '/payments/payment', body), 201);
        const info = created.payment.payer.payer_info;
        assert.ok(info.qr_code_scan || info.wechat_in_app || info.wechat_in_app_web, JSON.stringify(info));
        await payOnSandbox(h, created.payment.id, 'success');
        const paid = expectAnswer(
          PaymentAnswer,
          await h.call(m, 'GET', `/payments/payment/${created.payment.id}`),
          200,
        );
        assert.equal(paid.payment.state, 'TRADE_SUCCESS');
      }
    });

    test('the hosted checkout: links self, refund, apply_to_customs, upay; paid_with once paid', async () => {
      const created = expectAnswer(
        PaymentLinksAnswer,
        await h.call(
          m,
          'POST',
          '/payments/payment',
          paymentBody('NOT_APPLICABLE', '20.00', 'USD', undefined, {
            payer: { payment_method: 'NOT_APPLICABLE', interface_type: 'SERVER_TO_WEB' },
            ret_url: 'https://shop.example/back',
          }),
        ),
        201,
      );
      assert.deepEqual(
        created.links.map((l: any) => l.ref),
        ['self', 'refund', 'apply_to_customs', 'upay'],
      );
      await payOnSandbox(h, created.payment.id, 'success');
      const paid = expectAnswer(PaymentAnswer, await h.call(m, 'GET', `/payments/payment/${created.payment.id}`), 200);
      assert.ok(paid.payment.paid_with, JSON.stringify(paid.payment));
      assert.equal(paid.payment.ret_url, 'https://shop.example/back');
    });

    test('the WeChat open_id link', async () => {
      const notify = encodeURIComponent('https://shop.example/wechat/open-id');
      const res = expectAnswer(
        WechatOpenIdAnswer,
        await h.call(m, 'GET', `/payments/wechat_openid?notify_url=${notify}`),
        200,
      );
      assert.equal(res.links[0].ref, 'weChat');
    });

    test('refunds in the three shapes: created, queried, succeeded or failed', async () => {
      const created = expectAnswer(
        PaymentLinksAnswer,
        await h.call(
          m,
          'POST',
          '/payments/payment',
          paymentBody('WECHAT_SCAN', '100.02', 'USD', [
            {
              id: 'S1',
              total: '50.02',
              items: [
                { id: 'tee', total: '30.02', quantity: '2' },
                { id: 'cap', total: '20.00' },
              ],
            },
            { id: 'S2', total: '50.00' },
          ]),
        ),
        201,
      );
      const paymentId = created.payment.id as string;
      await payOnSandbox(h, paymentId, 'success');
      const refunds: string[] = [];
      const bodies = [
        refundBody('order', {
          total: '30.02',
          subOrders: [{ id: 'S1', total: '30.02', items: [{ id: 'tee', total: '30.02' }] }],
          notifyUrl: shop.notifyUrl,
        }),
        refundBody('orders', { total: '10.00', orgAmount: { total: '100.02', currency: 'USD' } }),
        refundBody('refund_info', { total: '1.13', parentPayment: paymentId, notifyUrl: shop.notifyUrl }),
      ];
      for (const body of bodies) {
        const res = expectAnswer(CreateRefundAnswer, await refund(h, m, paymentId, body), 201);
        assert.equal(res.refund.state, 'REFUND_PROCESS');
        refunds.push(res.refund.id);
        expectAnswer(RefundAnswer, await h.call(m, 'GET', `/payments/refund/${res.refund.id}`), 200);
      }
      await settleRefunds(h);
      const states = [];
      for (const id of refunds) {
        const res = expectAnswer(RefundAnswer, await h.call(m, 'GET', `/payments/refund/${id}`), 200);
        states.push(res.refund.state);
        if (res.refund.state === 'REFUND_FAIL') assert.equal(res.refund.error?.ret_code, '00060767');
        else assert.ok(res.refund.execute_success_time, JSON.stringify(res.refund));
      }
      assert.deepEqual(states, ['REFUND_SUCCESS', 'REFUND_SUCCESS', 'REFUND_FAIL']);
    });

    test('customs declarations: created, queried, submitted, succeeded or failed', async () => {
      const paid = await customsPayment(h, m, shop.notifyUrl);
      const ok = expectAnswer(
        CustomsDeclarationAnswer,
        await h.call(m, 'POST', `/payments/payment/${paid.id}/apply_to_customs`, declarationBody(paid.customsSub)),
        201,
      );
      const other = await customsPayment(h, m, shop.notifyUrl);
      const refused = expectAnswer(
        CustomsDeclarationAnswer,
        await h.call(m, 'POST', `/payments/payment/${other.id}/apply_to_customs`, {
          customs_declaration: declarationBody(other.customsSub, {
            mer_customs_code: '3302961213',
            notify_url: shop.notifyUrl,
          }),
        }),
        201,
      );
      const ids = [ok.customs_declarations[0].id, refused.customs_declarations[0].id];
      await submitDue(h);
      for (const id of ids)
        expectAnswer(CustomsDeclarationAnswer, await h.call(m, 'GET', `/payments/customs_declarations/${id}`), 200);
      await answerDue(h);
      const finals = [];
      for (const id of ids) {
        const res = expectAnswer(
          CustomsDeclarationAnswer,
          await h.call(m, 'GET', `/payments/customs_declarations/${id}`),
          200,
        );
        finals.push(res.customs_declarations[0].state);
      }
      assert.deepEqual(finals, ['SUCCESS', 'FAIL']);
    });

    test('the transactions list of today, page by page', async () => {
      const first = expectAnswer(
        TransactionsAnswer,
        await h.call(m, 'GET', `/payments/transactions?mer_date=${today()}`),
        200,
      );
      assert.ok(first.transactions.payment_summaries.length >= 5);
      assert.ok(first.transactions.refund_summaries.length >= 2);
      const total = first.transactions.pagination.total_count as number;
      const page = expectAnswer(
        TransactionsAnswer,
        await h.call(
          m,
          'GET',
          `/payments/transactions?mer_date=${today()}&page_size=2&page_number=${Math.ceil(total / 2)}`,
        ),
        200,
      );
      assert.ok(page.transactions.payment_summaries.length + page.transactions.refund_summaries.length >= 1);
    });

    test('the reconciliation statement after a settlement run', async () => {
      const ctx = h.gateway.context;
      const service = ctx.services.settlement;
      h.clock.advance(1000);
      const run = await service.run({ settleDate: today(), cutoffAt: h.clock.now() });
      assert.deepEqual(run.skipped, []);
      const statement = expectAnswer(
        ReconciliationAnswer,
        await h.call(m, 'GET', `/payments/reconciliation_statement?settle_date=${today()}`),
        200,
      );
      assert.ok(statement.reconciliations.settlements.length >= 2, 'several currencies: amount has only total_cny');
      assert.ok(statement.reconciliations.refund_summaries.length >= 1);
      expectAnswer(
        ReconciliationAnswer,
        await h.call(m, 'GET', `/payments/reconciliation_statement?mer_date=${today()}&page_size=1&page_number=2`),
        200,
      );
      // A merchant with one currency on the date: the whole transfer in `amount`.
      const single = await h.merchant({ name: 'One Currency Shop' });
      const body = paymentBody('WECHAT_SCAN', '10.00', 'USD');
      const created = await h.call(single, 'POST', '/payments/payment', body);
      await payOnSandbox(h, created.json.payment.id, 'success');
      h.clock.advance(1000);
      await service.run({ settleDate: today(), cutoffAt: h.clock.now() });
      const one = expectAnswer(
        ReconciliationAnswer,
        await h.call(single, 'GET', `/payments/reconciliation_statement?settle_date=${today()}`),
        200,
      );
      assert.ok(one.reconciliations.amount.currency, JSON.stringify(one.reconciliations.amount));
    });

    test('downloads are signed text files', async () => {
      for (const path of [
        `/payments/transactions_download?mer_date=${today()}`,
        `/payments/reconciliation_statement_download?mer_date=${today()}`,
        `/payments/customs_download?customs_date=${today()}`,
      ]) {
        const res = await h.call(m, 'GET', path);
        assert.equal(res.status, 200, res.text);
        assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
        assert.ok(res.headers.get('signature'), `${path} is signed`);
        assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="/);
      }
    });

    test('error answers', async () => {
      const bad = sampleOrder(uniqueRef('BAD'));
      delete (bad.order as Record<string, unknown>).amount;
      expectErrorAnswer(await h.call(m, 'POST', '/payments/payment', bad), 400, '00202001');
      expectErrorAnswer(await h.call(m, 'GET', '/payments/payment/PAY_NOPE'), 404, '00060760');
      expectErrorAnswer(await h.call(m, 'GET', '/payments/refund/REFUND_NOPE'), 404, '00060771');
      expectErrorAnswer(await h.call(m, 'GET', '/payments/customs_declarations/CUST_NOPE'), 404, '00060772');
      expectErrorAnswer(
        await h.call(m, 'GET', '/payments/reconciliation_statement?settle_date=20200101'),
        404,
        '00060773',
      );
      expectErrorAnswer(await h.call(m, 'GET', '/bank?type=CASH'), 400, '00060700');
      expectErrorAnswer(await h.call(m, 'GET', '/exchange_rate?currency=XYZ'), 400, '00281017');
      expectErrorAnswer(await h.call(m, 'GET', '/payments/transactions?mer_date=2026'), 400, '00060700');
      expectErrorAnswer(await h.call(m, 'GET', '/nothing/here'), 404, '00060704');
      expectErrorAnswer(await h.call(m, 'POST', '/payments/payment', '{"payer":', {}), 400, '00060701');
      expectErrorAnswer(
        await h.call(m, 'GET', '/payments/transactions', undefined, { authorization: 'Bearer nope' }),
        401,
        '00280703',
      );
      expectErrorAnswer(
        await h.call(m, 'POST', '/payments/payment', sampleOrder(uniqueRef('S')), { signature: 'AAAA' }),
        401,
        '00060710',
      );
      const body = sampleOrder(uniqueRef('DUP'));
      await h.call(m, 'POST', '/payments/payment', body);
      expectErrorAnswer(await h.call(m, 'POST', '/payments/payment', body), 409, '00060741');
    });

    test('an expired payment: TRADE_CLOSED with its error', async () => {
      const created = await h.call(m, 'POST', '/payments/payment', {
        ...paymentBody('WECHAT_SCAN', '3.00', 'USD'),
        order: { ...(paymentBody('WECHAT_SCAN', '3.00', 'USD').order as object), expire_time: '1' },
      });
      assert.equal(created.status, 201, created.text);
      h.clock.advance(2 * 60_000);
      const closed = expectAnswer(
        PaymentAnswer,
        await h.call(m, 'GET', `/payments/payment/${created.json.payment.id}`),
        200,
      );
      assert.equal(closed.payment.state, 'TRADE_CLOSED');
      assert.equal(closed.payment.error?.ret_code, '00060751');
    });

    test('the notifications carry the same objects', async () => {
      const deadline = Date.now() + 10_000;
      const kinds = () => new Set(shop.events.map((e) => e.type));
      while (Date.now() < deadline && kinds().size < 3) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual([...kinds()].sort(), ['customs_declaration', 'payment', 'refund']);
      for (const delivery of shop.deliveries) {
        const body = JSON.parse(delivery.rawBody) as Record<string, unknown>;
        const [key, ...rest] = Object.keys(body);
        assert.deepEqual(rest, [], 'one object per notification');
        const schema = key === 'payment' ? Payment : key === 'refund' ? Refund : CustomsDeclaration;
        assertAnswer(schema, body[key!], `notification ${key}`);
      }
    });

    test('every response schema met real answers', () => {
      for (const id of [
        'TokenAnswer',
        'BanksAnswer',
        'ExchangeRatesAnswer',
        'PaymentLinksAnswer',
        'PaymentAnswer',
        'WechatOpenIdAnswer',
        'CreateRefundAnswer',
        'RefundAnswer',
        'CustomsDeclarationAnswer',
        'TransactionsAnswer',
        'ReconciliationAnswer',
        'ErrorAnswer',
      ])
        assert.ok((checked.get(id) ?? 0) > 0, `${id} was checked against real answers`);
    });
  });
}
