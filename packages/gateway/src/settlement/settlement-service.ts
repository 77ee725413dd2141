/**
 * Settlement: paying each merchant what its payments and refunds came to.
 *
 * A run for settle date S settles, per merchant and order currency, every TRADE_SUCCESS payment and
 * every REFUND_SUCCESS refund that completed before the run's cut-off and was not settled yet:
 *
 *   G = CNY of the payments, R = CNY of the refunds,
 *   F = Σ service fee of each payment (merchant's basis points of its CNY, ROUND_HALF_UP),
 *   N = G - R - F, exchanged into the order currency at the FX rate of the run (the rate "at the
 *   exchange time"): each payment's (CNY - fee) and each refund's CNY converted on its own,
 *   ROUND_HALF_UP, T = Σ payments - Σ refunds. T is transferred to the merchant.
 *
 * One transaction per (merchant, currency): the settlement row (unique per merchant, settle date and
 * currency), a conditional update of every item (`WHERE settlement_id IS NULL`: an item is settled at
 * most once, even with several runs at the same time) and the ledger entry (ledger/postings.ts). A
 * group whose N or T is not positive (refunds larger than the payments) is not settled: its items
 * wait for the next run. Runs are idempotent: running a date again settles only what is left.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { toMinor } from '../store/schema.ts';
import { newId } from '../store/ids.ts';
import { isUniqueViolation } from '../store/unique-violation.ts';
import type { Clock } from '../context.ts';
import type { FxFeed } from '../channels/channels.ts';
import { isCurrency, type Currency } from '../money/currencies.ts';
import { parseRate } from '../money/decimal.ts';
import { postSettlement } from '../ledger/postings.ts';
import { exchangeFromCny, serviceFee } from './settlement-math.ts';
import { chinaDate, chinaInstant } from '../time/china-time.ts';

export interface SettlementDeps {
  readonly db: Kysely<Database>;
  readonly fx: FxFeed;
  readonly clock: Clock;
}

export interface SettlementSummary {
  readonly id: string;
  readonly merchantId: string;
  readonly currency: string;
  readonly settleDate: string;
  readonly exchangeRate: string;
  readonly paymentCount: number;
  readonly refundCount: number;
  readonly grossCnyMinor: bigint;
  readonly refundCnyMinor: bigint;
  readonly feeMinor: bigint;
  readonly netCnyMinor: bigint;
  readonly netMinor: bigint;
}

export interface SkippedGroup {
  readonly merchantId: string;
  readonly currency: string;
  readonly reason: string;
}

export interface SettlementRunResult {
  readonly settleDate: string;
  readonly cutoffAt: number;
  readonly settlements: readonly SettlementSummary[];
  readonly skipped: readonly SkippedGroup[];
}

export interface RunOptions {
  /** YYYYMMDD, the date the money is transferred. */
  readonly settleDate: string;
  /** Items that completed before this instant are settled. */
  readonly cutoffAt: number;
}

interface Item {
  readonly id: string;
  readonly cny: bigint;
}

interface Group {
  readonly merchantId: string;
  readonly currency: Currency;
  readonly payments: Item[];
  readonly refunds: Item[];
}

export class SettlementError extends Error {}

export class SettlementService {
  readonly #deps: SettlementDeps;
  constructor(deps: SettlementDeps) {
    this.#deps = deps;
  }

  /** The cut-off of settle date `settleDate` at `cutoff` minutes after China midnight. */
  static cutoffOf(settleDate: string, cutoffMinutes: number): number {
    return chinaInstant(settleDate, cutoffMinutes);
  }

  async run(options: RunOptions): Promise<SettlementRunResult> {
    const { db, clock } = this.#deps;
    const { settleDate, cutoffAt } = options;
    const now = clock.now();
    if (cutoffAt > now)
      throw new SettlementError(
        `the cut-off of ${settleDate} (${new Date(cutoffAt).toISOString()}) has not come yet: settle it after the cut-off`,
      );

    await db
      .insertInto('settlement_runs')
      .values({
        settle_date: settleDate,
        state: 'RUNNING',
        cutoff_at: cutoffAt,
        started_at: now,
        finished_at: null,
        settlement_count: 0,
      })
      .onConflict((oc) => oc.column('settle_date').doUpdateSet({ state: 'RUNNING', started_at: now }))
      .execute();

    const groups = await this.#collect(cutoffAt);
    const rates = new Map<Currency, string>();
    const settlements: SettlementSummary[] = [];
    const skipped: SkippedGroup[] = [];
    for (const group of groups) {
      let rate = rates.get(group.currency);
      if (rate === undefined) {
        rate = (await this.#deps.fx.rate(group.currency))?.rate;
        if (rate === undefined || !parseRate(rate)) {
          skipped.push({
            merchantId: group.merchantId,
            currency: group.currency,
            reason: `no exchange rate for ${group.currency}`,
          });
          continue;
        }
        rates.set(group.currency, rate);
      }
      const outcome = await this.#settleGroup(group, settleDate, cutoffAt, rate);
      if ('reason' in outcome) skipped.push(outcome);
      else settlements.push(outcome);
    }

    const count = await db
      .selectFrom('settlements')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('settle_date', '=', settleDate)
      .executeTakeFirst();
    await db
      .updateTable('settlement_runs')
      .set({ state: 'DONE', finished_at: clock.now(), settlement_count: Number(count?.n ?? 0), cutoff_at: cutoffAt })
      .where('settle_date', '=', settleDate)
      .execute();
    return { settleDate, cutoffAt, settlements, skipped };
  }

  /** Whether the run of `settleDate` has finished (the scheduler's question). */
  async isDone(settleDate: string): Promise<boolean> {
    const row = await this.#deps.db
      .selectFrom('settlement_runs')
      .select('state')
      .where('settle_date', '=', settleDate)
      .executeTakeFirst();
    return row?.state === 'DONE';
  }

  async #collect(cutoffAt: number): Promise<Group[]> {
    const { db } = this.#deps;
    const payments = await db
      .selectFrom('payments')
      .select(['id', 'merchant_id', 'currency', 'total_cny_minor'])
      .where('state', '=', 'TRADE_SUCCESS')
      .where('settlement_id', 'is', null)
      .where('execute_success_at', '<', cutoffAt)
      .orderBy('execute_success_at')
      .orderBy('id')
      .execute();
    const refunds = await db
      .selectFrom('refunds')
      .select(['id', 'merchant_id', 'currency', 'cny_minor'])
      .where('state', '=', 'REFUND_SUCCESS')
      .where('settlement_id', 'is', null)
      .where('completed_at', '<', cutoffAt)
      .orderBy('completed_at')
      .orderBy('id')
      .execute();
    const groups = new Map<string, Group>();
    const groupOf = (merchantId: string, currency: string): Group | undefined => {
      if (!isCurrency(currency)) return undefined;
      const key = `${merchantId}\u0000${currency}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { merchantId, currency, payments: [], refunds: [] }));
      return g;
    };
    for (const p of payments)
      groupOf(p.merchant_id, p.currency)?.payments.push({ id: p.id, cny: toMinor(p.total_cny_minor) });
    for (const r of refunds) groupOf(r.merchant_id, r.currency)?.refunds.push({ id: r.id, cny: toMinor(r.cny_minor) });
    return [...groups.values()].sort((a, b) =>
      a.merchantId === b.merchantId ? a.currency.localeCompare(b.currency) : a.merchantId.localeCompare(b.merchantId),
    );
  }

  async #settleGroup(
    group: Group,
    settleDate: string,
    cutoffAt: number,
    rateText: string,
  ): Promise<SettlementSummary | SkippedGroup> {
    const { db, clock } = this.#deps;
    const rate = parseRate(rateText)!;
    const merchant = await db
      .selectFrom('merchants')
      .select('service_fee_bp')
      .where('id', '=', group.merchantId)
      .executeTakeFirst();
    const feeBp = Number(merchant?.service_fee_bp ?? 0);

    const payments = group.payments.map((p) => {
      const fee = serviceFee(p.cny, feeBp);
      return { ...p, fee, settled: exchangeFromCny(p.cny - fee, group.currency, rate) };
    });
    const refunds = group.refunds.map((r) => ({ ...r, settled: exchangeFromCny(r.cny, group.currency, rate) }));
    const gross = payments.reduce((s, p) => s + p.cny, 0n);
    const refunded = refunds.reduce((s, r) => s + r.cny, 0n);
    const fees = payments.reduce((s, p) => s + p.fee, 0n);
    const netCny = gross - refunded - fees;
    const net = payments.reduce((s, p) => s + p.settled, 0n) - refunds.reduce((s, r) => s + r.settled, 0n);
    if (netCny <= 0n || net <= 0n) {
      return {
        merchantId: group.merchantId,
        currency: group.currency,
        reason: `nothing to transfer (net ${netCny} fen, ${net} ${group.currency} minor units): carried to the next run`,
      };
    }

    const now = clock.now();
    const id = newId('STL_', now);
    const summary: SettlementSummary = {
      id,
      merchantId: group.merchantId,
      currency: group.currency,
      settleDate,
      exchangeRate: rateText,
      paymentCount: payments.length,
      refundCount: refunds.length,
      grossCnyMinor: gross,
      refundCnyMinor: refunded,
      feeMinor: fees,
      netCnyMinor: netCny,
      netMinor: net,
    };
    try {
      await db.transaction().execute(async (trx) => {
        const taken = await trx
          .selectFrom('settlements')
          .select('id')
          .where('merchant_id', '=', group.merchantId)
          .where('settle_date', '=', settleDate)
          .where('currency', '=', group.currency)
          .executeTakeFirst();
        if (taken)
          throw new AlreadySettled(
            `merchant ${group.merchantId} already has its ${group.currency} settlement of ${settleDate} (${taken.id}): later items wait for the next settle date`,
          );
        await trx
          .insertInto('settlements')
          .values({
            id,
            merchant_id: group.merchantId,
            settle_date: settleDate,
            currency: group.currency,
            cutoff_at: cutoffAt,
            exchange_rate: rateText,
            exchange_date: chinaDate(now),
            payment_count: payments.length,
            refund_count: refunds.length,
            gross_cny_minor: gross,
            refund_cny_minor: refunded,
            fee_minor: fees,
            net_cny_minor: netCny,
            net_minor: net,
            created_at: now,
          })
          .execute();
        for (const p of payments) {
          const r = await trx
            .updateTable('payments')
            .set({ settlement_id: id, service_fee_minor: p.fee, settled_minor: p.settled })
            .where('id', '=', p.id)
            .where('state', '=', 'TRADE_SUCCESS')
            .where('settlement_id', 'is', null)
            .executeTakeFirst();
          if (Number(r.numUpdatedRows) !== 1) throw new AlreadySettled(`payment ${p.id} was settled by another run`);
        }
        for (const rf of refunds) {
          const r = await trx
            .updateTable('refunds')
            .set({ settlement_id: id, settled_minor: rf.settled })
            .where('id', '=', rf.id)
            .where('state', '=', 'REFUND_SUCCESS')
            .where('settlement_id', 'is', null)
            .executeTakeFirst();
          if (Number(r.numUpdatedRows) !== 1) throw new AlreadySettled(`refund ${rf.id} was settled by another run`);
        }
        await postSettlement(trx, {
          settlementId: id,
          merchantId: group.merchantId,
          currency: group.currency,
          payableCnyMinor: gross - refunded,
          feeMinor: fees,
          netCnyMinor: netCny,
          netMinor: net,
          now,
        });
      });
    } catch (error) {
      if (error instanceof AlreadySettled || isUniqueViolation(error)) {
        return {
          merchantId: group.merchantId,
          currency: group.currency,
          reason: error instanceof AlreadySettled ? error.message : 'settled by another run at the same time',
        };
      }
      throw error;
    }
    return summary;
  }
}

class AlreadySettled extends Error {}
