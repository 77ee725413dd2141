/**
 * A background loop: runs one pass, waits `intervalMs`, runs the next, until stopped. Passes never
 * overlap; `stop()` waits for the pass under way. Each worker (payment expiry and bank answers,
 * refund answers) is one of these around its own `runOnce`.
 */
export interface PeriodicJobOptions {
  readonly name: string;
  readonly runOnce: () => Promise<number>;
  readonly intervalMs?: number;
  readonly logger?: { error(obj: unknown, msg: string): void } | undefined;
}

export class PeriodicJob {
  readonly #options: PeriodicJobOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(options: PeriodicJobOptions) {
    this.#options = options;
  }

  runOnce(): Promise<number> {
    return this.#options.runOnce();
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const tick = () => {
      if (this.#stopped) return;
      this.#running = this.#options
        .runOnce()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.#options.logger?.error({ err: (error as Error).message }, `${this.#options.name} failed`),
        )
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
