/**
 * Background work on payments: closing expired unpaid payments and collecting the bank's late
 * answers. Runs in every gateway process; each step is a conditional update, so two processes
 * working the same rows cannot both apply a change.
 */
import type { PaymentService } from '../domain/payments.ts';

export interface PaymentJobsOptions {
  readonly payments: PaymentService;
  readonly intervalMs?: number;
  readonly logger?: { error(obj: unknown, msg: string): void };
}

export class PaymentJobs {
  readonly #options: PaymentJobsOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(options: PaymentJobsOptions) {
    this.#options = options;
  }

  /** One pass; returns how many payments changed. */
  async runOnce(): Promise<number> {
    const { payments } = this.#options;
    const closed = await payments.closeExpiredBatch();
    const resolved = await payments.resolveBankBatch();
    return closed + resolved;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const tick = () => {
      if (this.#stopped) return;
      this.#running = this.runOnce()
        .then(() => undefined)
        .catch((error: unknown) => this.#options.logger?.error({ err: (error as Error).message }, 'payment jobs failed'))
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(tick, this.#options.intervalMs ?? 500);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }
}
