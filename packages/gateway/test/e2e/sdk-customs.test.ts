/**
 * End to end, the way a merchant declares to customs with umf-sdk against a gateway on a port: a paid
 * payment with an is_customs sub-order, client.customs.declare, waitFor SUCCESS, get, the merchant
 * server verifying the `{"customs_declaration":{...}}` notification, the customs file streamed line by
 * line and saved to disk (both verified against the Signature), typed errors for the refusal codes
 * and the SDK's own checks. On SQLite and PostgreSQL.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  RetCodes,
  UmfClient,
  UmfConflictError,
  UmfInvalidRequestError,
  UmfNotFoundError,
  UmfPaymentStateError,
  UmfSignatureVerificationError,
  formatMerDate,
  type CreatePaymentParams,
  type DeclareCustomsParams,
} from 'umf-sdk';

import { startHarness, expectedCny, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { startMerchantServer, type MerchantServer } from '../helpers/merchant-server.ts';
import { sdkClient } from '../helpers/sdk-client.ts';
import { customsNotification, customsPaymentBody, type CustomsPayment } from '../helpers/customs.ts';
import { payOnSandbox } from '../helpers/refunds.ts';
import {
  SANDBOX_CUSTOMS_ANSWER_DELAY_MS,
  SANDBOX_CUSTOMS_SUBMIT_DELAY_MS,
} from '../../src/channels/sandbox/sandbox-customs.ts';

for (const kind of testDatabaseUrls()) {
  describe(`SDK customs end to end (${kind.name})`, () => {
    let h: Harness;
    let shop: MerchantServer;
    let merchant: TestMerchant;
    let client: UmfClient;
    let dir: string;

    function params(p: CustomsPayment, overrides: Partial<DeclareCustomsParams> = {}): DeclareCustomsParams {
      return {
        customs_id: 'HZ',
        mer_customs_code: '3301960777',
        ec_plat_id: '3301960001',
        freight_amount: { total: '8.00', currency: 'CNY' },
        tax_amount: { total: '0', currency: 'CNY' },
        sub_order_amount: { total: '50.02', currency: 'USD' },
        sub_order: { mer_sub_reference_id: p.customsSub, items: [{ mer_item_id: 'tee' }, { mer_item_id: 'cap' }] },
        notify_url: shop.notifyUrl,
        ...overrides,
      };
    }

    /** customsPaymentBody's payment, created (and paid on the sandbox) through the SDK: one token per client_id. */
    async function customsPayment(pay = true): Promise<CustomsPayment> {
      const body = customsPaymentBody(h, shop.notifyUrl) as unknown as CreatePaymentParams;
      const { payment } = await client.payments.create(body);
      if (pay) await payOnSandbox(h, payment.id, 'success');
      const { payment: now } = await client.payments.get(payment.id);
      const ref = body.order.mer_reference_id;
      return {
        id: payment.id,
        merReferenceId: ref,
        merDate: body.order.mer_date,
        rate: String(now.order.amount.exchange_rate?.rate),
        customsSub: `${ref}-C`,
        plainSub: `${ref}-N`,
        payment: now,
      };
    }

    before(async () => {
      h = await startHarness(kind);
      shop = await startMerchantServer(h.platformCert.toString());
      merchant = await h.merchant({ name: 'SDK Customs Shop' });
      client = sdkClient(h, merchant);
      dir = mkdtempSync(join(tmpdir(), 'umf-customs-e2e-'));
    });
    after(async () => {
      await shop?.close();
      await h?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test(
      'declare -> waitFor SUCCESS (the gateway workers on the clock) -> get; ' +
        'the merchant verified the notification',
      async () => {
        const p = await customsPayment();
        const { declaration, declarations, links } = await client.customs.declare(p.id, params(p));
        assert.equal(declaration.state, 'ACCEPTED');
        assert.equal(declaration.parent_payment, p.id);
        assert.equal(declarations.length, 1, 'customs_declarations of the response');
        assert.deepEqual(
          links.map((l) => l.ref),
          ['parent_payment', 'self'],
        );
        assert.deepEqual(declaration.sub_order_amount, {
          total: '50.02',
          currency: 'USD',
          total_cny: expectedCny('50.02', p.rate),
        });
        assert.deepEqual(declaration.freight_amount, { total: '8.00', currency: 'CNY', total_cny: '8.00' });

        // The gateway's own customs worker moves it once the sandbox office's delays have passed.
        h.clock.advance(SANDBOX_CUSTOMS_SUBMIT_DELAY_MS);
        const submitted = await client.customs.waitFor(declaration.id, (d) => d.state !== 'ACCEPTED', {
          timeoutMs: 10_000,
          intervalMs: 50,
        });
        assert.equal(submitted.state, 'SUBMITED');
        h.clock.advance(SANDBOX_CUSTOMS_ANSWER_DELAY_MS);
        const done = await client.customs.waitFor(declaration.id, undefined, { timeoutMs: 10_000, intervalMs: 50 });
        assert.equal(done.state, 'SUCCESS');
        assert.ok(done.completed_time, 'completed_time');
        assert.match(
          done.completed_time,
          /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/,
          'completed_time in China time',
        );

        const got = await client.customs.get(declaration.id);
        assert.deepEqual(got.declaration, done);
        const event = await customsNotification(shop, declaration.id, 'SUCCESS');
        assert.deepEqual(event.declaration, done, 'the notification carries the final declaration');
        assert.equal(shop.rejected.length, 0, 'every notification verified with the SDK');
      },
    );

    test('a refused declaration (mer_customs_code ending in 13) ends FAIL with error 00202018', async () => {
      const p = await customsPayment();
      const { declaration } = await client.customs.declare(p.id, params(p, { mer_customs_code: '3301960013' }));
      h.clock.advance(SANDBOX_CUSTOMS_SUBMIT_DELAY_MS);
      await client.customs.waitFor(declaration.id, 'SUBMITED', { timeoutMs: 10_000, intervalMs: 50 });
      h.clock.advance(SANDBOX_CUSTOMS_ANSWER_DELAY_MS);
      const done = await client.customs.waitFor(declaration.id, ['SUCCESS', 'FAIL'], {
        timeoutMs: 10_000,
        intervalMs: 50,
      });
      assert.equal(done.state, 'FAIL');
      assert.equal(done.error?.ret_code, RetCodes.CUSTOMS_REJECTED);
    });

    test('download: streamed line by line and saved to disk, both verified', async () => {
      const p = await customsPayment();
      const { declaration } = await client.customs.declare(p.id, params(p, { customs_id: 'SZ' }));
      const date = declaration.customs_clearance_date!;
      const file = await client.customs.download({ customsDate: date });
      assert.equal(file.filename, `CUSTOMS_${merchant.id}_${date}.txt`);
      const lines: string[] = [];
      for await (const line of file) lines.push(line);
      assert.equal(lines[0], `CUSTOMSDETAIL-START,${merchant.id},${date}`);
      const body = lines.slice(1, -1);
      const footer = lines.at(-1)!.split(',');
      assert.deepEqual(footer.slice(0, 3), ['CUSTOMSDETAIL-End', merchant.id, date]);
      assert.equal(Number(footer[3]), body.length, 'the footer counts the declarations');
      const mine = body.map((l) => l.split(',')).find((f) => f[0] === declaration.id);
      assert.ok(mine, `the declaration is in the file: ${lines.join(' | ')}`);
      assert.deepEqual(mine.slice(1, 13), [
        p.id,
        p.merReferenceId,
        p.merDate,
        p.customsSub,
        'SZ',
        '3301960777',
        '3301960001',
        expectedCny('50.02', p.rate),
        '8.00',
        '0.00',
        'ACCEPTED',
        date,
      ]);
      assert.match(mine[13]!, /^\d{14}$/, 'last update yyyyMMddHHmmss');
      assert.equal(mine.length, 14, 'fourteen fields');

      const target = join(dir, 'customs.txt');
      const again = await client.customs.download({ customsDate: new Date(h.clock.now()) }); // a Date: its China date
      const saved = await again.saveTo(target);
      const text = readFileSync(target, 'utf8');
      assert.equal(saved.bytes, Buffer.byteLength(text));
      assert.equal(text, lines.map((l) => `${l}\n`).join(''), 'the saved file is the streamed one');
      assert.equal(formatMerDate(new Date(h.clock.now())), date);

      // A file altered on the way is refused, and saveTo leaves nothing behind.
      const tampering = sdkClient(h, merchant, {
        fetch: async (url, init) => {
          const res = await fetch(url, init);
          if (!url.includes('customs_download')) return res;
          const altered = (await res.text()).replace(',SZ,', ',HZ,');
          return new Response(altered, { status: res.status, headers: res.headers });
        },
      });
      const bad = join(dir, 'bad.txt');
      const tampered = await tampering.customs.download({ customsDate: date });
      await assert.rejects(tampered.saveTo(bad), UmfSignatureVerificationError);
      assert.ok(!existsSync(bad) && !existsSync(`${bad}.part`), 'nothing saved');
    });

    test('refusals arrive as typed errors with their return codes; the SDK checks its arguments first', async () => {
      const p = await customsPayment();
      const unpaid = await customsPayment(false);
      await assert.rejects(
        client.customs.declare(unpaid.id, params(unpaid)),
        (e: unknown) => e instanceof UmfPaymentStateError && e.retCode === '00060764',
      );
      await assert.rejects(
        client.customs.declare(p.id, params(p, { customs_id: 'QQ' })),
        (e: unknown) => e instanceof UmfInvalidRequestError && e.retCode === RetCodes.CUSTOMS_UNAVAILABLE,
      );
      await assert.rejects(
        client.customs.declare(
          p.id,
          params(p, { sub_order: { mer_sub_reference_id: p.plainSub, items: [{ mer_item_id: 'mug' }] } }),
        ),
        (e: unknown) => e instanceof UmfInvalidRequestError && e.retCode === RetCodes.CUSTOMS_NOT_REQUIRED,
      );
      await assert.rejects(
        client.customs.declare(
          p.id,
          params(p, { sub_order: { mer_sub_reference_id: p.customsSub, items: [{ mer_item_id: 'socks' }] } }),
        ),
        (e: unknown) => e instanceof UmfInvalidRequestError && e.retCode === RetCodes.CUSTOMS_ITEMS_ABSENT,
      );
      await client.customs.declare(p.id, params(p));
      await assert.rejects(
        client.customs.declare(p.id, params(p)),
        (e: unknown) => e instanceof UmfConflictError && e.retCode === RetCodes.CUSTOMS_ALREADY_DECLARED,
      );
      await assert.rejects(
        client.customs.get('CUST_NOSUCHDECLARATION'),
        (e: unknown) => e instanceof UmfNotFoundError && e.retCode === RetCodes.CUSTOMS_NOT_FOUND,
      );
      await assert.rejects(
        client.customs.download({ customsDate: '20261399' }),
        (e: unknown) => e instanceof UmfInvalidRequestError && e.retCode === RetCodes.INVALID_PARAMETER,
      );

      // Caught before anything is sent, with a message that says what to do.
      await assert.rejects(
        client.customs.declare(
          p.id,
          params(p, { sub_order_amount: { total: 50.02 as unknown as string, currency: 'USD' } }),
        ),
        /sub_order_amount\.total must be a decimal STRING/,
      );
      await assert.rejects(
        client.customs.declare(p.id, params(p, { sub_order: { mer_sub_reference_id: p.customsSub, items: [] } })),
        /sub_order\.items must list at least one/,
      );
      await assert.rejects(client.customs.declare(p.id, params(p, { customs_id: 'Ningbo' })), /two-letter code/);
      await assert.rejects(client.customs.declare(p.id, params(p, { mer_customs_code: '' })), /mer_customs_code/);
      await assert.rejects(client.customs.download({ customsDate: '2026-11-23' }), /YYYYMMDD/);
    });
  });
}
