/**
 * PCI DSS v4 3.3 / 3.5: after full card flows (one that succeeds, one declined, one late bank, one
 * rejected at verification), neither the database (every file SQLite writes, or every table of
 * PostgreSQL) nor the logs hold the card number, CVV2, expiry, holder name or citizen id in clear,
 * and the CVV2 is gone once the bank has answered.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, readdirSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { startHarness, sampleOrder, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';

const CARDS = ['6225760000040001', '6225760000030002', '6225760000000005', '6225760000010004'];
const CVV2 = '919';
const VALID_DATE = '2907';
const HOLDER = 'Testholder Qiuyue';
const CITIZEN_ID = '11010519491231002X';
const PHONE = '13900139000';

for (const kind of testDatabaseUrls()) {
  describe(`card data at rest (${kind.name})`, () => {
    let h: Harness;
    let merchant: TestMerchant;
    const logDir = mkdtempSync(join(tmpdir(), 'umf-logs-'));
    const logFile = join(logDir, 'gateway.log');

    before(async () => {
      h = await startHarness(kind, {
        lateBankDelayMs: 200,
        logger: { level: 'trace', stream: createWriteStream(logFile) },
      });
      merchant = await h.merchant({ encryption: kind.name === 'sqlite' ? 'pkcs1' : 'oaep' });
    });
    after(async () => {
      await h.close();
      rmSync(logDir, { recursive: true, force: true });
    });

    async function pay(number: string, ref: string): Promise<{ id: string; verify: any; execute: any }> {
      const created = await h.call(
        merchant,
        'POST',
        '/payments/payment',
        sampleOrder(ref, { payer: { payment_method: 'CREDIT_CARD', bank_code: 'ICBC', payer_info: { phone: PHONE } } }),
      );
      assert.equal(created.status, 201, created.text);
      const id = created.json.payment.id as string;
      const card = {
        number: h.encrypt(merchant, number),
        valid_date: h.encrypt(merchant, VALID_DATE),
        cvv2: h.encrypt(merchant, CVV2),
        payer_name: h.encrypt(merchant, HOLDER),
        citizen_id_type: '1',
        citizen_id_number: h.encrypt(merchant, CITIZEN_ID),
        phone: PHONE,
      };
      const verify = await h.call(merchant, 'POST', `/payments/payment/${id}/verify`, {
        payer: { payer_info: { bank_card: card } },
      });
      if (verify.status !== 200) return { id, verify, execute: undefined };
      const sms = (await (await fetch(`${h.baseUrl}/sandbox/sms?phone=${PHONE}`)).json()) as {
        messages: Array<{ code: string; payment_id: string }>;
      };
      const code = sms.messages.find((m) => m.payment_id === id)!.code;
      const execute = await h.call(merchant, 'POST', `/payments/payment/${id}/execute`, {
        payer: { payer_info: { verify_code: code } },
      });
      return { id, verify, execute };
    }

    test('no card data in the database or the logs after every kind of card flow', async () => {
      const ok = await pay(CARDS[0]!, 'PCI-OK');
      assert.equal(ok.execute.json.payment.state, 'TRADE_SUCCESS');
      const declined = await pay(CARDS[1]!, 'PCI-DECLINED');
      assert.equal(declined.execute.json.payment.state, 'TRADE_FAIL');
      const late = await pay(CARDS[2]!, 'PCI-LATE');
      assert.equal(late.execute.json.payment.state, 'WAIT_BUYER_PAY');
      const rejected = await pay(CARDS[3]!, 'PCI-REJECTED');
      assert.equal(rejected.verify.json.meta.ret_code, '00200025');
      // A verified payment that is never executed: its card data is sealed (encrypted), not clear.
      const pending = await h.call(
        merchant,
        'POST',
        '/payments/payment',
        sampleOrder('PCI-PENDING', { payer: { payment_method: 'CREDIT_CARD', payer_info: { phone: PHONE } } }),
      );
      await h.call(merchant, 'POST', `/payments/payment/${pending.json.payment.id}/verify`, {
        payer: {
          payer_info: {
            bank_card: {
              number: h.encrypt(merchant, CARDS[0]!),
              valid_date: h.encrypt(merchant, VALID_DATE),
              cvv2: h.encrypt(merchant, CVV2),
              payer_name: h.encrypt(merchant, HOLDER),
              citizen_id_number: h.encrypt(merchant, CITIZEN_ID),
              phone: PHONE,
            },
          },
        },
      });

      // Wait for the late bank to answer and the notifications to be attempted.
      const deadline = Date.now() + 5000;
      for (;;) {
        const res = await h.call(merchant, 'GET', `/payments/payment/${late.id}`);
        if (res.json.payment.state === 'TRADE_SUCCESS') break;
        assert.ok(Date.now() < deadline, 'the late bank answered');
        await new Promise((r) => setTimeout(r, 100));
      }

      // CVV2 and the other card data are destroyed once the bank has answered.
      const rows = await h.gateway.context.db
        .selectFrom('payments')
        .select(['id', 'card_secret_enc', 'state', 'card_last4'])
        .execute();
      for (const row of rows) {
        if (row.id === pending.json.payment.id)
          assert.ok(row.card_secret_enc?.startsWith('v1.'), 'sealed while waiting for execute');
        else assert.equal(row.card_secret_enc, null, `card data of ${row.id} (${row.state}) destroyed`);
      }
      // Payer agreements keep the card sealed, without the CVV2.
      const agreements = await h.gateway.context.db.selectFrom('payer_agreements').selectAll().execute();
      assert.ok(agreements.length >= 1);
      for (const a of agreements) {
        const opened = JSON.parse(
          h.gateway.context.cardVault.open(a.card_enc, `agreement:${a.usr_pay_agreement_id}`),
        ) as Record<string, unknown>;
        assert.equal(opened.cvv2, undefined, 'no CVV2 in an agreement');
        assert.equal(a.card_last4.length, 4);
      }

      const needles = [
        ...CARDS,
        CITIZEN_ID,
        HOLDER,
        `"cvv2":"${CVV2}"`,
        `"valid_date":"${VALID_DATE}"`,
        `"validDate":"${VALID_DATE}"`,
      ];
      const haystacks: Array<{ name: string; text: string }> = [];
      if (kind.name === 'sqlite') {
        const file = h.gateway.context.store.url.slice('sqlite:'.length);
        const dir = file.slice(0, file.lastIndexOf('/'));
        for (const name of readdirSync(dir))
          haystacks.push({ name, text: readFileSync(join(dir, name)).toString('latin1') });
        assert.ok(haystacks.some((f) => f.name.endsWith('-wal') || f.name.endsWith('.db')));
      } else {
        const tables = [
          'platform_keys',
          'merchants',
          'merchant_keys',
          'access_tokens',
          'payments',
          'payer_agreements',
          'payment_events',
          'outbox',
          'notification_attempts',
          'idempotency_keys',
          'fx_rates',
          'sandbox_sms',
          'sandbox_bank_accounts',
          'sandbox_bank_ledger',
        ];
        for (const table of tables) {
          const dump = await sql<{ row: string }>`select t::text as row from ${sql.table(table)} t`.execute(
            h.gateway.context.db,
          );
          haystacks.push({ name: table, text: dump.rows.map((r) => r.row).join('\n') });
        }
      }
      const log = readFileSync(logFile, 'utf8');
      assert.ok(log.includes('/payments/payment'), 'the log recorded the requests');
      haystacks.push({ name: 'gateway.log', text: log });
      for (const { name, text } of haystacks) {
        for (const needle of needles) assert.ok(!text.includes(needle), `${needle} found in clear in ${name}`);
        // The Chinese-language form of the holder's name must not appear either (UTF-8 bytes).
      }
      // Authorization tokens and signatures are redacted from the logs.
      assert.ok(!/"authorization":"Bearer/i.test(log));
    });
  });
}
