/**
 * `umf-gateway settle [--date YYYYMMDD] [--cutoff HH:MM|now] [--json]`: runs settlement now for a
 * settle date (default: today, China time), settling what completed before the cut-off (default: the
 * configured UMF_SETTLEMENT_CUTOFF of that date; `now` settles everything up to this moment, today
 * only). Prints one line per transfer and per group left for a later run. Safe while gateways run on
 * the same database, and safe to repeat (an item is settled once).
 */
import type { ProcessConfig } from '../config/process-config.ts';
import type { SettlementService } from '../settlement/settlement-service.ts';
import { systemClock } from '../time/clock.ts';
import { isCalendarDate } from '../http/report-query.ts';
import { formatAmount, formatScaled } from '../money/decimal.ts';
import { isCurrency } from '../money/currencies.ts';
import { chinaDate, chinaInstant, parseTimeOfDay } from '../time/china-time.ts';

export async function settleCommand(
  service: SettlementService,
  config: ProcessConfig,
  values: Record<string, string | boolean | undefined>,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const now = systemClock.now();
  const today = chinaDate(now);
  const settleDate = typeof values.date === 'string' ? values.date : today;
  if (!isCalendarDate(settleDate)) {
    err(`--date must be a date written YYYYMMDD, got ${settleDate}\n`);
    return 2;
  }
  let cutoffAt: number;
  if (values.cutoff === 'now') {
    if (settleDate !== today) {
      err(`--cutoff now settles up to this moment, so only today's date (${today}) can use it\n`);
      return 2;
    }
    cutoffAt = now;
  } else {
    let minutes = config.settlement.cutoffMinutes;
    if (typeof values.cutoff === 'string') {
      try {
        minutes = parseTimeOfDay(values.cutoff, '--cutoff');
      } catch (error) {
        err(`${(error as Error).message}\n`);
        return 2;
      }
    }
    cutoffAt = chinaInstant(settleDate, minutes);
  }

  const result = await service.run({ settleDate, cutoffAt });
  if (values.json) {
    out(
      JSON.stringify(
        {
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
            amount: isCurrency(s.currency) ? formatAmount(s.netMinor, s.currency) : String(s.netMinor),
          })),
          skipped: result.skipped.map((s) => ({ merchant_id: s.merchantId, currency: s.currency, reason: s.reason })),
        },
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  out(`settle date ${result.settleDate}, cut-off ${new Date(result.cutoffAt).toISOString()}\n`);
  for (const s of result.settlements) {
    const amount = isCurrency(s.currency) ? formatAmount(s.netMinor, s.currency) : String(s.netMinor);
    out(
      `${s.id} ${s.merchantId} ${s.currency} ${amount} (${s.paymentCount} payments ` +
        `${formatScaled(s.grossCnyMinor, 2)} CNY - ${s.refundCount} refunds ` +
        `${formatScaled(s.refundCnyMinor, 2)} CNY - fee ${formatScaled(s.feeMinor, 2)} CNY = ` +
        `${formatScaled(s.netCnyMinor, 2)} CNY at ${s.exchangeRate})\n`,
    );
  }
  for (const s of result.skipped) out(`not settled: ${s.merchantId} ${s.currency}: ${s.reason}\n`);
  if (result.settlements.length === 0 && result.skipped.length === 0) out('nothing to settle\n');
  return 0;
}
