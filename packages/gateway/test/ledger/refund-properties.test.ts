/**
 * Property-based tests (fast-check) of the refund rules and the ledger, through the API, on SQLite
 * and PostgreSQL: random payments (paid, failed, unpaid; USD, EUR, JPY) and random sequences of
 * refunds in the three shapes, bursts of concurrent refunds (Promise.all) and channel answers
 * (amounts ending in .13 fail) never over-refund, refuse exactly what does not fit, release what
 * failed, and always leave the ledger balanced and in agreement with payments and refunds.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { paymentBody, payOnSandbox, refund, refundBody, settleRefunds, type RefundShape } from '../helpers/refunds.ts';
import { checkLedger } from '../../src/ledger/check.ts';
import { formatAmount } from '../../src/money/decimal.ts';
import type { Currency } from '../../src/money/currencies.ts';

const NUM_RUNS = Number(process.env['UMF_PROPERTY_RUNS'] ?? 25);

interface PaymentSpec {
  currency: Currency;
  amount: number;
  outcome: 'paid' | 'failed' | 'unpaid';
}

type Command =
  | { kind: 'refund'; p: number; amount: number; shape: RefundShape }
  | { kind: 'concurrent'; p: number; amounts: number[] }
  | { kind: 'settle' };

/** Refund amounts in minor units, biased towards the sandbox's failing ".13" endings. */
const refundAmount = fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 20 }).map((n) => n * 100 + 13));

const paymentSpec: fc.Arbitrary<PaymentSpec> = fc.record({
  currency: fc.constantFrom<Currency>('USD', 'EUR', 'JPY'),
  amount: fc.integer({ min: 1, max: 5000 }),
  outcome: fc.constantFrom<PaymentSpec['outcome']>('paid', 'paid', 'paid', 'failed', 'unpaid'),
});

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('refund' as const), p: fc.nat(), amount: refundAmount, shape: fc.constantFrom<RefundShape>('order', 'orders', 'refund_info') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('concurrent' as const), p: fc.nat(), amounts: fc.array(refundAmount, { minLength: 2, maxLength: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('settle' as const) }) },
);

interface ModelPayment {
  id: string;
  spec: PaymentSpec;
  /** Minor units reserved by refunds that have not failed. */
  reserved: number;
  /** Refunds in REFUND_PROCESS: id -> amount. */
  inProcess: Map<string, number>;
}

for (const kind of testDatabaseUrls()) {
  describe(`refund and ledger properties (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;

    before(async () => {
      // No background workers: the test decides when the channel's answers are collected.
      h = await startHarness(kind, { workers: false });
      shop = await h.merchant({ name: 'Property Shop' });
    });
    after(async () => {
      await h?.close();
    });

    async function makePayment(spec: PaymentSpec): Promise<ModelPayment> {
      const total = formatAmount(BigInt(spec.amount), spec.currency);
      const created = await h.call(shop, 'POST', '/payments/payment', paymentBody('WECHAT_SCAN', total, spec.currency));
      assert.equal(created.status, 201, created.text);
      const id = created.json.payment.id as string;
      if (spec.outcome !== 'unpaid') await payOnSandbox(h, id, spec.outcome === 'paid' ? 'success' : 'fail');
      return { id, spec, reserved: 0, inProcess: new Map() };
    }

    async function assertModel(payments: ModelPayment[], where: string): Promise<void> {
      for (const p of payments) {
        const row = await h.gateway.context.db.selectFrom('payments').select(['refunded_minor', 'amount_minor', 'refunded_cny_minor', 'total_cny_minor']).where('id', '=', p.id).executeTakeFirstOrThrow();
        assert.equal(Number(row.refunded_minor), p.reserved, `${where}: ${p.id} reserved`);
        assert.ok(BigInt(row.refunded_minor) <= BigInt(row.amount_minor), `${where}: ${p.id} never over-refunded`);
        assert.ok(BigInt(row.refunded_cny_minor) <= BigInt(row.total_cny_minor), `${where}: ${p.id} never gives back more CNY than it took`);
        if (BigInt(row.refunded_minor) === BigInt(row.amount_minor)) assert.equal(BigInt(row.refunded_cny_minor), BigInt(row.total_cny_minor), `${where}: ${p.id} fully refunded gives back exactly total_cny`);
      }
      const check = await checkLedger(h.gateway.context.db);
      assert.deepEqual(check.problems, [], `${where}: ledger problems`);
      assert.ok(check.ok, `${where}: ledger balanced`);
    }

    async function runCommand(payments: ModelPayment[], cmd: Command): Promise<void> {
      if (cmd.kind === 'settle') {
        await settleRefunds(h);
        for (const p of payments) {
          for (const [refundId, amount] of p.inProcess) {
            const row = await h.gateway.context.db.selectFrom('refunds').select('state').where('id', '=', refundId).executeTakeFirstOrThrow();
            const failing = amount % 100 === 13;
            assert.equal(row.state, failing ? 'REFUND_FAIL' : 'REFUND_SUCCESS', `refund ${refundId} of ${amount}`);
            if (failing) p.reserved -= amount;
          }
          p.inProcess.clear();
        }
        return;
      }
      const p = payments[cmd.p % payments.length]!;
      const amounts = cmd.kind === 'refund' ? [cmd.amount] : cmd.amounts;
      const shape = cmd.kind === 'refund' ? cmd.shape : 'order';
      const remainingBefore = p.spec.amount - p.reserved;
      const bodies = amounts.map((a) => refundBody(shape, { total: formatAmount(BigInt(a), p.spec.currency), currency: p.spec.currency, orgAmount: { total: formatAmount(BigInt(p.spec.amount), p.spec.currency), currency: p.spec.currency } }));
      const results = await Promise.all(bodies.map((b) => refund(h, shop, p.id, b)));
      let accepted = 0;
      results.forEach((res, i) => {
        const amount = amounts[i]!;
        if (p.spec.outcome !== 'paid') {
          assert.equal(res.json?.meta?.ret_code, '00060766', res.text);
          return;
        }
        if (res.status === 201) {
          assert.equal(res.json.refund.state, 'REFUND_PROCESS', res.text);
          p.inProcess.set(res.json.refund.id, amount);
          accepted += amount;
        } else {
          assert.equal(res.json?.meta?.ret_code, '00202010', res.text);
        }
      });
      if (p.spec.outcome !== 'paid') return;
      assert.ok(accepted <= remainingBefore, `accepted ${accepted} of ${remainingBefore} left`);
      p.reserved += accepted;
      const remainingAfter = p.spec.amount - p.reserved;
      results.forEach((res, i) => {
        // Refused only when it did not fit: a refused amount is more than what is left even now.
        if (res.status !== 201) assert.ok(amounts[i]! > remainingAfter, `refused ${amounts[i]} although ${remainingAfter} is left`);
      });
      if (amounts.reduce((s, a) => s + a, 0) <= remainingBefore) assert.equal(accepted, amounts.reduce((s, a) => s + a, 0), 'all accepted when they all fit');
    }

    test(`random payments, refunds (sequential and concurrent) and channel answers never over-refund and keep the ledger balanced (${NUM_RUNS} runs)`, { timeout: 600_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(paymentSpec, { minLength: 1, maxLength: 3 }), fc.array(command, { minLength: 1, maxLength: 8 }), async (specs, commands) => {
          const payments: ModelPayment[] = [];
          for (const spec of specs) payments.push(await makePayment(spec));
          await assertModel(payments, 'after the payments');
          for (const [i, cmd] of commands.entries()) {
            await runCommand(payments, cmd);
            await assertModel(payments, `after command ${i} (${cmd.kind})`);
          }
          // Every refund is answered in the end; what failed is released, what succeeded stays.
          await runCommand(payments, { kind: 'settle' });
          await assertModel(payments, 'after the final answers');
        }),
        { numRuns: NUM_RUNS },
      );
    });
  });
}
