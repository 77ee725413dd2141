/**
 * The scheduled settlement run: once a day, at `runAtMinutes` after China midnight, settles the
 * China date of the day (items completed before that date's cut-off). Checks every `intervalMs`
 * (default a minute) whether today's run is due and not done; a gateway that was down at the
 * scheduled time runs as soon as it is back, and anything a missed day would have settled waits for
 * the next run (items are never lost, only later). Several processes may run it at once: settlement
 * is safe under concurrency (see settlement/settlements.ts).
 */
import type { SettlementService } from '../settlement/settlement-service.ts';
import { SettlementService as Settlements } from '../settlement/settlement-service.ts';
import { chinaDate, chinaMinuteOfDay } from '../time/china-time.ts';
import type { Clock } from '../context.ts';
import { PeriodicJob } from './periodic-job.ts';

export interface SettlementSchedule {
  /** Minutes after China midnight of the settle date: what completed before is settled that date. */
  readonly cutoffMinutes: number;
  /** Minutes after China midnight the daily run starts; undefined: no scheduled runs (command only). */
  readonly runAtMinutes: number | undefined;
}

export const DEFAULT_SETTLEMENT_SCHEDULE: SettlementSchedule = { cutoffMinutes: 0, runAtMinutes: 120 };

export interface SettlementJobsOptions {
  readonly settlements: SettlementService;
  readonly schedule: SettlementSchedule;
  readonly clock: Clock;
  readonly intervalMs?: number;
  readonly logger?: { error(obj: unknown, msg: string): void; info?(obj: unknown, msg: string): void };
}

export class SettlementJobs extends PeriodicJob {
  constructor(options: SettlementJobsOptions) {
    const { settlements, schedule, clock, logger } = options;
    super({
      name: 'settlement',
      intervalMs: options.intervalMs ?? 60_000,
      logger,
      runOnce: async () => {
        if (schedule.runAtMinutes === undefined) return 0;
        const now = clock.now();
        if (chinaMinuteOfDay(now) < schedule.runAtMinutes) return 0;
        const today = chinaDate(now);
        const cutoffAt = Settlements.cutoffOf(today, schedule.cutoffMinutes);
        if (cutoffAt > now || (await settlements.isDone(today))) return 0;
        const result = await settlements.run({ settleDate: today, cutoffAt });
        logger?.info?.(
          { settleDate: today, settlements: result.settlements.length, skipped: result.skipped.length },
          'settlement run finished',
        );
        return result.settlements.length;
      },
    });
  }
}
