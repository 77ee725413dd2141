/**
 * Property-based tests (fast-check) of the refund rules and the ledger, through the API, on SQLite
 * and PostgreSQL: random payments (paid, failed, unpaid; USD, EUR, JPY) and random sequences of
 * refunds in the three shapes, bursts of concurrent refunds (Promise.all), channel answers (amounts
 * ending in .13 fail) and settlement runs (also two at once) never over-refund, refuse exactly what
 * does not fit, release what failed, settle every item at most once, and always leave the ledger
 * balanced and in agreement with payments, refunds and settlements.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { paymentBody, payOnSandbox, refund, refundBody, settleRefunds, type RefundShape } from '../helpers/refunds.ts';
import { accountBalance, checkLedger } from '../../src/ledger/ledger-check-repository.ts';
import { DEFAULT_SANDBOX_RATES } from '../../src/channels/sandbox/sandbox-fx-feed.ts';
import { formatAmount, formatScaled } from '../../src/money/decimal.ts';
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
  | { kind: 'settle' }
  | { kind: 'settlement'; concurrent: boolean; fxMove: number };

/** Refund amounts in minor units, biased towards the sandbox's failing ".13" endings. */
const refundAmount = fc.oneof(
  fc.integer({ min: 1, max: 3000 }),
  fc.integer({ min: 0, max: 20 }).map((n) => n * 100 + 13),
);

const paymentSpec: fc.Arbitrary<PaymentSpec> = fc.record({
  currency: fc.constantFrom<Currency>('USD', 'EUR', 'JPY'),
  amount: fc.integer({ min: 1, max: 5000 }),
  outcome: fc.constantFrom<PaymentSpec['outcome']>('paid', 'paid', 'paid', 'failed', 'unpaid'),
});

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      p: fc.nat(),
      amount: refundAmount,
      shape: fc.constantFrom<RefundShape>('order', 'orders', 'refund_info'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('concurrent' as const),
      p: fc.nat(),
      amounts: fc.array(refundAmount, { minLength: 2, maxLength: 6 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('settle' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('settlement' as const),
      concurrent: fc.boolean(),
      fxMove: fc.integer({ min: -300, max: 300 }),
    }),
  },
);

/** A fresh settle date for every run (settlements are unique per merchant, date and currency). */
let settleDay = 0;
/** Settlements the runs made, to check the property exercised settlement at all. */
let settlementsMade = 0;
function nextSettleDate(): string {
  return new Date(Date.UTC(2031, 0, 1 + settleDay++)).toISOString().slice(0, 10).replaceAll('-', '');
}

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
      await h.gateway.context.services.merchants.setServiceFee(shop.id, 175);
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
        const row = await h.gateway.context.db
          .selectFrom('payments')
          .select(['refunded_minor', 'amount_minor', 'refunded_cny_minor', 'total_cny_minor'])
          .where('id', '=', p.id)
          .executeTakeFirstOrThrow();
        assert.equal(Number(row.refunded_minor), p.reserved, `${where}: ${p.id} reserved`);
        assert.ok(BigInt(row.refunded_minor) <= BigInt(row.amount_minor), `${where}: ${p.id} never over-refunded`);
        assert.ok(
          BigInt(row.refunded_cny_minor) <= BigInt(row.total_cny_minor),
          `${where}: ${p.id} never gives back more CNY than it took`,
        );
        if (BigInt(row.refunded_minor) === BigInt(row.amount_minor))
          assert.equal(
            BigInt(row.refunded_cny_minor),
            BigInt(row.total_cny_minor),
            `${where}: ${p.id} fully refunded gives back exactly total_cny`,
          );
      }
      const check = await checkLedger(h.gateway.context.db);
      assert.deepEqual(check.problems, [], `${where}: ledger problems`);
      assert.ok(check.ok, `${where}: ledger balanced`);
    }

    async function runSettlement(
      payments: ModelPayment[],
      cmd: Extract<Command, { kind: 'settlement' }>,
    ): Promise<void> {
      const ctx = h.gateway.context;
      for (const currency of ['USD', 'EUR', 'JPY'] as const) {
        // Move the rate of the exchange away from the payments' locked rates (±3 %).
        const base = BigInt(DEFAULT_SANDBOX_RATES[currency].replace('.', ''));
        const scale = DEFAULT_SANDBOX_RATES[currency].split('.')[1]!.length;
        const moved = (base * BigInt(10_000 + cmd.fxMove)) / 10_000n;
        await ctx.sandbox!.fx.setRate(currency, formatScaled(moved, scale));
      }
      const payableBefore = await accountBalance(ctx.db, `merchant_payable:${shop.id}:CNY`);
      const eligible = await ctx.db
        .selectFrom('payments')
        .select(['id'])
        .where('merchant_id', '=', shop.id)
        .where('state', '=', 'TRADE_SUCCESS')
        .where('settlement_id', 'is', null)
        .execute();
      h.clock.advance(1000);
      const service = () => ctx.services.settlement;
      const settleDate = nextSettleDate();
      const cutoffAt = h.clock.now();
      const runs = cmd.concurrent
        ? await Promise.all([service().run({ settleDate, cutoffAt }), service().run({ settleDate, cutoffAt })])
        : [await service().run({ settleDate, cutoffAt })];
      const made = runs.flatMap((r) => r.settlements).filter((s) => s.merchantId === shop.id);
      // At most one transfer per currency and date, whatever ran at the same time.
      assert.equal(
        new Set(made.map((s) => s.currency)).size,
        made.length,
        `one settlement per currency: ${JSON.stringify(made.map((s) => s.currency))}`,
      );
      const settledRows = await ctx.db
        .selectFrom('payments')
        .select(['id', 'settlement_id'])
        .where('id', 'in', eligible.length ? eligible.map((e) => e.id) : ['-'])
        .execute();
      const madeIds = new Set(made.map((s) => s.id));
      for (const row of settledRows) {
        if (row.settlement_id !== null)
          assert.ok(madeIds.has(row.settlement_id), `payment ${row.id} settled by this run's settlement`);
      }
      // What the run paid out of the merchant's payable is exactly what its settlements say.
      const payableAfter = await accountBalance(ctx.db, `merchant_payable:${shop.id}:CNY`);
      assert.equal(
        payableAfter - payableBefore,
        made.reduce((s, x) => s + x.grossCnyMinor - x.refundCnyMinor, 0n),
        'payable goes down by what was settled',
      );
      settlementsMade += made.length;
      for (const s of made) {
        assert.ok(s.netMinor > 0n && s.netCnyMinor > 0n, `settlement ${s.id} transfers a positive amount`);
        assert.equal(s.netCnyMinor, s.grossCnyMinor - s.refundCnyMinor - s.feeMinor, 'net = gross - refunds - fee');
      }
      void payments;
    }

    async function runCommand(payments: ModelPayment[], cmd: Command): Promise<void> {
      if (cmd.kind === 'settlement') return runSettlement(payments, cmd);
      if (cmd.kind === 'settle') {
        await settleRefunds(h);
        for (const p of payments) {
          for (const [refundId, amount] of p.inProcess) {
            const row = await h.gateway.context.db
              .selectFrom('refunds')
              .select('state')
              .where('id', '=', refundId)
              .executeTakeFirstOrThrow();
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
      const bodies = amounts.map((a) =>
        refundBody(shape, {
          total: formatAmount(BigInt(a), p.spec.currency),
          currency: p.spec.currency,
          orgAmount: { total: formatAmount(BigInt(p.spec.amount), p.spec.currency), currency: p.spec.currency },
        }),
      );
      const results = await Promise.all(bodies.map((b) => refund(h, shop, p.id, b)));
      let accepted = 0;
      results.forEach((res, i) => {
        const amount = amounts[i]!;
        if (p.spec.outcome !== 'paid') {
          assert.equal(res.status, 409, res.text);
          assert.equal(res.json?.meta?.ret_code, '00060766', res.text);
          return;
        }
        if (res.status === 201) {
          assert.equal(res.json.refund.state, 'REFUND_PROCESS', res.text);
          p.inProcess.set(res.json.refund.id, amount);
          accepted += amount;
        } else {
          assert.equal(res.status, 409, res.text);
          assert.equal(res.json?.meta?.ret_code, '00202010', res.text);
        }
      });
      if (p.spec.outcome !== 'paid') return;
      assert.ok(accepted <= remainingBefore, `accepted ${accepted} of ${remainingBefore} left`);
      p.reserved += accepted;
      const remainingAfter = p.spec.amount - p.reserved;
      results.forEach((res, i) => {
        // Refused only when it did not fit: a refused amount is more than what is left even now.
        if (res.status !== 201)
          assert.ok(amounts[i]! > remainingAfter, `refused ${amounts[i]} although ${remainingAfter} is left`);
      });
      if (amounts.reduce((s, a) => s + a, 0) <= remainingBefore)
        assert.equal(
          accepted,
          amounts.reduce((s, a) => s + a, 0),
          'all accepted when they all fit',
        );
    }

    test(
      'random payments, refunds (sequential and concurrent), channel answers and settlements never ' +
        `over-refund and keep the ledger balanced (${NUM_RUNS} runs)`,
      { timeout: 600_000 },
      async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(paymentSpec, { minLength: 1, maxLength: 3 }),
            fc.array(command, { minLength: 1, maxLength: 8 }),
            async (specs, commands) => {
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
            },
          ),
          { numRuns: NUM_RUNS },
        );
        assert.ok(settlementsMade > 0, 'the random runs settled something');
      },
    );
  });
}
