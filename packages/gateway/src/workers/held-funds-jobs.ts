/**
 * The B2B document window (payments/held-funds.ts): cancels held B2B payments whose window has
 * passed (TRADE_CANCEL, the merchant notified) and has the corporate bank return their money,
 * retrying returns that failed or had no answer. Runs in every gateway process; the cancellation is
 * a guarded update (`funds_state = 'held'`), so two processes (or an approval at the same instant)
 * cannot both apply, and the bank's return is idempotent per payment.
 */
import type { HeldFunds } from '../payments/held-funds.ts';
import { PeriodicJob } from './periodic-job.ts';

export interface HeldFundsJobsOptions {
  readonly heldFunds: HeldFunds;
  readonly intervalMs?: number;
  readonly logger?: { error(obj: unknown, msg: string): void };
}

export class HeldFundsJobs extends PeriodicJob {
  constructor(options: HeldFundsJobsOptions) {
    const { heldFunds, logger } = options;
    const onError = (paymentId: string, error: unknown) =>
      logger?.error({ paymentId, err: (error as Error).message }, 'B2B document window step failed');
    super({
      name: 'B2B document window',
      intervalMs: options.intervalMs ?? 1_000,
      logger,
      runOnce: async () =>
        (await heldFunds.cancelDueBatch(100, onError)) + (await heldFunds.returnDueBatch(100, onError)),
    });
  }
}
