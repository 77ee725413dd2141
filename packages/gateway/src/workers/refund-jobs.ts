/**
 * Background work on refunds: asks the channels (card bank, wallets) for the answers of refunds in
 * REFUND_PROCESS whose answer is due, and moves them to REFUND_SUCCESS / REFUND_FAIL. Runs in every
 * gateway process; the final move is a conditional update, so two processes cannot both apply it,
 * and the channels are idempotent per refund.
 */
import type { RefundService } from '../refunds/refund-service.ts';
import { PeriodicJob } from './periodic-job.ts';

export interface RefundJobsOptions {
  readonly refunds: RefundService;
  readonly intervalMs?: number;
  readonly logger?: { error(obj: unknown, msg: string): void };
}

/** Collects the channels' answers to refunds in REFUND_PROCESS, every `intervalMs`. */
export class RefundJobs extends PeriodicJob {
  constructor(options: RefundJobsOptions) {
    super({
      name: 'refund jobs',
      intervalMs: options.intervalMs,
      logger: options.logger,
      runOnce: () =>
        options.refunds.resolveDueBatch(100, (refundId, error) =>
          options.logger?.error({ refundId, err: (error as Error).message }, 'refund step failed'),
        ),
    });
  }
}
