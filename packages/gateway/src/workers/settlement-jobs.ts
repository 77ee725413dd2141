/**
 * The scheduled settlement run: once a day, at `runAtMinutes` after China midnight, settles the
 * China date of the day (items completed before that date's cut-off). Checks every `intervalMs`
 * (default a minute) whether today's run is due and not done; a gateway that was down at the
 * scheduled time runs as soon as it is back, and anything a missed day would have settled waits for
 * the next run (items are never lost, only later). Several processes may run it at once: settlement
 * is safe under concurrency (see settlement/settlement-service.ts).
 */
import { SettlementService } from '../settlement/settlement-service.ts';
import type { SettlementSchedule } from '../settlement/settlement-schedule.ts';
import { chinaDate, chinaMinuteOfDay } from '../time/china-time.ts';
import type { Clock } from '../time/clock.ts';
import { PeriodicJob } from './periodic-job.ts';

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
        const cutoffAt = SettlementService.cutoffOf(today, schedule.cutoffMinutes);
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
