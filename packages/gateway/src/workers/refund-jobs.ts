/**
 * Background work on refunds: asks the channels (card bank, wallets) for the answers of refunds in
 * REFUND_PROCESS whose answer is due, and moves them to REFUND_SUCCESS / REFUND_FAIL. Runs in every
 * gateway process; the final move is a conditional update, so two processes cannot both apply it,
 * and the channels are idempotent per refund.
 */
import type { RefundService } from '../domain/refunds.ts';

export interface RefundJobsOptions {
  readonly refunds: RefundService;
  readonly intervalMs?: number;
  readonly logger?: { error(obj: unknown, msg: string): void };
}

export class RefundJobs {
  readonly #options: RefundJobsOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(options: RefundJobsOptions) {
    this.#options = options;
  }

  /** One pass; returns how many refunds reached a final state. */
  async runOnce(): Promise<number> {
    return this.#options.refunds.resolveDueBatch(100, (refundId, error) => this.#options.logger?.error({ refundId, err: (error as Error).message }, 'refund step failed'));
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const tick = () => {
      if (this.#stopped) return;
      this.#running = this.runOnce()
        .then(() => undefined)
        .catch((error: unknown) => this.#options.logger?.error({ err: (error as Error).message }, 'refund jobs failed'))
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
