/**
 * `umf-gateway settle [--date YYYYMMDD] [--cutoff HH:MM|now] [--json]`: runs settlement now for a
 * settle date (default: today, China time), settling what completed before the cut-off (default: the
 * configured UMF_SETTLEMENT_CUTOFF of that date; `now` settles everything up to this moment, today
 * only). Prints one line per transfer and per group left for a later run. Safe while gateways run on
 * the same database, and safe to repeat (an item is settled once).
 */
import { systemClock } from '../time/clock.ts';
import { isCalendarDate } from '../http/report-query.ts';
import { formatAmount, formatScaled } from '../money/decimal.ts';
import { isCurrency } from '../money/currencies.ts';
import { chinaDate, chinaInstant, chinaReadableMinute, parseTimeOfDay } from '../time/china-time.ts';
import { UsageError, type Command } from './command.ts';
import { dateFlag, stringFlag } from './flag-values.ts';

export const settleCommand: Command = {
  words: ['settle'],
  summary: 'run settlement now for a settle date (default today, China time)',
  flags: {
    date: { type: 'string', value: 'YYYYMMDD', help: 'the settle date (China time; default today)' },
    cutoff: {
      type: 'string',
      value: 'HH:MM|now',
      help: 'settle what completed before this China time of that date (UMF_SETTLEMENT_CUTOFF, default 00:00)',
    },
  },
  details: ['Safe to repeat and safe while gateways run on the same database: an item is settled once.'],
  async run({ flags, json, config, io, context }) {
    const now = systemClock.now();
    const today = chinaDate(now);
    const settleDate = dateFlag(flags, 'date') ?? today;
    if (!isCalendarDate(settleDate)) throw new UsageError(`--date must be a date written YYYYMMDD, got ${settleDate}`);
    const cutoff = stringFlag(flags, 'cutoff');
    let cutoffAt: number;
    if (cutoff === 'now') {
      if (settleDate !== today)
        throw new UsageError(`--cutoff now settles up to this moment, so only today's date (${today}) can use it`);
      cutoffAt = now;
    } else {
      let minutes = config.settlement.cutoffMinutes;
      if (cutoff !== undefined) {
        try {
          minutes = parseTimeOfDay(cutoff, '--cutoff');
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
      }
      cutoffAt = chinaInstant(settleDate, minutes);
    }
    const result = await (await context()).services.settlement.run({ settleDate, cutoffAt });
    const amountOf = (s: (typeof result.settlements)[number]) =>
      isCurrency(s.currency) ? formatAmount(s.netMinor, s.currency) : String(s.netMinor);
    if (json) {
      const answer = {
        settle_date: result.settleDate,
        cutoff: new Date(result.cutoffAt).toISOString(),
        settlements: result.settlements.map((s) => ({
          settlement_id: s.id,
          merchant_id: s.merchantId,
          currency: s.currency,
          exchange_rate: s.exchangeRate,
          payments: s.paymentCount,
          refunds: s.refundCount,
          gross_cny: formatScaled(s.grossCnyMinor, 2),
          refund_cny: formatScaled(s.refundCnyMinor, 2),
          service_fee: formatScaled(s.feeMinor, 2),
          net_cny: formatScaled(s.netCnyMinor, 2),
          amount: amountOf(s),
        })),
        skipped: result.skipped.map((s) => ({ merchant_id: s.merchantId, currency: s.currency, reason: s.reason })),
      };
      io.out(JSON.stringify(answer, null, 2) + '\n');
      return 0;
    }
    io.out(`settle date ${result.settleDate} (China), cut-off ${chinaReadableMinute(result.cutoffAt)}\n`);
    for (const s of result.settlements) {
      io.out(
        `${s.id} ${s.merchantId} ${s.currency} ${amountOf(s)} (${s.paymentCount} payments ` +
          `${formatScaled(s.grossCnyMinor, 2)} CNY - ${s.refundCount} refunds ` +
          `${formatScaled(s.refundCnyMinor, 2)} CNY - fee ${formatScaled(s.feeMinor, 2)} CNY = ` +
          `${formatScaled(s.netCnyMinor, 2)} CNY at ${s.exchangeRate})\n`,
      );
    }
    for (const s of result.skipped) io.out(`not settled: ${s.merchantId} ${s.currency}: ${s.reason}\n`);
    if (result.settlements.length === 0 && result.skipped.length === 0) io.out('nothing to settle\n');
    return 0;
  },
};
