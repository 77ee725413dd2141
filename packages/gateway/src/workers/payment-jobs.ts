/**
 * Background work on payments: closing expired unpaid payments and collecting the bank's late
 * answers. Runs in every gateway process; each step is a conditional update, so two processes
 * working the same rows cannot both apply a change.
 */
import type { PaymentLifecycle } from '../payments/payment-lifecycle.ts';
import type { CardPaymentService } from '../payments/card-payment-service.ts';
import { PeriodicJob } from './periodic-job.ts';

export interface PaymentJobsOptions {
  readonly lifecycle: PaymentLifecycle;
  readonly cards: CardPaymentService;
  readonly intervalMs?: number;
  readonly logger?: { error(obj: unknown, msg: string): void };
}

/** Closes expired unpaid payments and collects the bank's late answers, every `intervalMs`. */
export class PaymentJobs extends PeriodicJob {
  constructor(options: PaymentJobsOptions) {
    super({
      name: 'payment jobs',
      intervalMs: options.intervalMs,
      logger: options.logger,
      runOnce: async () => (await options.lifecycle.closeExpiredBatch()) + (await options.cards.resolveBankBatch()),
    });
  }
}
