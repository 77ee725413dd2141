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
 *   ROUND_HALF_UP, T = Σ payments - Σ refunds. T is transferred to the merchant. A B2B payment is
 *   settled once its held CNY is released (documents approved), exchanged at the rate locked at its
 *   release (`funds_release_rate`), not the run's; held and returned B2B payments are never settled.
 *
 * One transaction per (merchant, currency): the settlement row (unique per merchant, settle date and
 * currency), a conditional update of every item (`WHERE settlement_id IS NULL`: an item is settled at
 * most once, even with several runs at the same time) and the ledger entry (ledger/postings.ts). A
 * group whose N or T is not positive (refunds larger than the payments) is not settled: its items
 * wait for the next run. Runs are idempotent: running a date again settles only what is left.
 */
import type { Store } from '../store/database.ts';
import { newId } from '../store/ids.ts';
import { isUniqueViolation } from '../store/unique-violation.ts';
import type { Clock } from '../time/clock.ts';
import type { MerchantRepository } from '../merchants/merchant-repository.ts';
import type { SettlementFigures, SettlementRepository, UnsettledItem } from './settlement-repository.ts';
import type { FxFeed } from '../channels/channels.ts';
import { isCurrency, type Currency } from '../money/currencies.ts';
import { parseRate } from '../money/decimal.ts';
import { postSettlement } from '../ledger/postings.ts';
import { exchangeFromCny, serviceFee } from './settlement-math.ts';
import { chinaDate, chinaInstant } from '../time/china-time.ts';

export interface SettlementDeps {
  readonly store: Store;
  readonly settlements: SettlementRepository;
  readonly merchants: MerchantRepository;
  readonly fx: FxFeed;
  readonly clock: Clock;
}

/** A transfer a run made (settlement-repository.ts SettlementFigures). */
export type SettlementSummary = SettlementFigures;

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
  /** A released B2B payment's rate (its exchange uses it instead of the run's). */
  readonly releaseRate?: string | undefined;
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
    const { store, settlements: repository, clock } = this.#deps;
    const { settleDate, cutoffAt } = options;
    const now = clock.now();
    if (cutoffAt > now) {
      throw new SettlementError(
        `the cut-off of ${settleDate} (${new Date(cutoffAt).toISOString()}) has not come yet: settle it after the ` +
          `cut-off`,
      );
    }
    await store.write((trx) => repository.startRun(trx, settleDate, cutoffAt, now));

    const groups = await this.#collect(cutoffAt);
    const fees = await this.#deps.merchants.serviceFees([...new Set(groups.map((g) => g.merchantId))]);
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
      const outcome = await this.#settleGroup(group, settleDate, cutoffAt, rate, fees.get(group.merchantId) ?? 0);
      if ('reason' in outcome) skipped.push(outcome);
      else settlements.push(outcome);
    }
    await store.write((trx) => repository.finishRun(trx, settleDate, cutoffAt, clock.now()));
    return { settleDate, cutoffAt, settlements, skipped };
  }

  /** Whether the run of `settleDate` has finished (the scheduler's question). */
  async isDone(settleDate: string): Promise<boolean> {
    return this.#deps.settlements.runIsDone(settleDate);
  }

  async #collect(cutoffAt: number): Promise<Group[]> {
    const { settlements } = this.#deps;
    const [payments, refunds] = await Promise.all([
      settlements.unsettledPayments(cutoffAt),
      settlements.unsettledRefunds(cutoffAt),
    ]);
    const groups = new Map<string, Group>();
    const groupOf = (item: UnsettledItem): Group | undefined => {
      if (!isCurrency(item.currency)) return undefined;
      const key = `${item.merchantId}\u0000${item.currency}`;
      let g = groups.get(key);
      if (!g)
        groups.set(key, (g = { merchantId: item.merchantId, currency: item.currency, payments: [], refunds: [] }));
      return g;
    };
    for (const p of payments) groupOf(p)?.payments.push({ id: p.id, cny: p.cnyMinor, releaseRate: p.releaseRate });
    for (const r of refunds) groupOf(r)?.refunds.push({ id: r.id, cny: r.cnyMinor });
    return [...groups.values()].sort((a, b) =>
      a.merchantId === b.merchantId ? a.currency.localeCompare(b.currency) : a.merchantId.localeCompare(b.merchantId),
    );
  }

  async #settleGroup(
    group: Group,
    settleDate: string,
    cutoffAt: number,
    rateText: string,
    feeBp: number,
  ): Promise<SettlementSummary | SkippedGroup> {
    const { store, settlements: repository, clock } = this.#deps;
    const rate = parseRate(rateText)!;

    const payments = group.payments.map((p) => {
      const fee = serviceFee(p.cny, feeBp);
      const own = p.releaseRate ? parseRate(p.releaseRate) : undefined;
      return { ...p, fee, settled: exchangeFromCny(p.cny - fee, group.currency, own ?? rate) };
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
        reason:
          `nothing to transfer (net ${netCny} fen, ${net} ${group.currency} minor units): carried to the next ` + `run`,
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
      await store.write(async (trx) => {
        const taken = await repository.existing(trx, group.merchantId, settleDate, group.currency);
        if (taken) {
          throw new AlreadySettled(
            `merchant ${group.merchantId} already has its ${group.currency} settlement of ${settleDate} (${taken}): ` +
              'later items wait for the next settle date',
          );
        }
        await repository.insert(trx, { ...summary, cutoffAt, exchangeDate: chinaDate(now), createdAt: now });
        for (const p of payments) {
          if (!(await repository.settlePayment(trx, p.id, id, p.fee, p.settled))) {
            throw new AlreadySettled(`payment ${p.id} was settled by another run`);
          }
        }
        for (const rf of refunds) {
          if (!(await repository.settleRefund(trx, rf.id, id, rf.settled))) {
            throw new AlreadySettled(`refund ${rf.id} was settled by another run`);
          }
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
