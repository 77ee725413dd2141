/**
 * Background work on customs declarations: hands ACCEPTED declarations to the customs office and
 * collects the office's answers to SUBMITED ones, when their step is due (`resolve_at`). Runs in
 * every gateway process; each move is a conditional update (`WHERE state = :from`), so two
 * processes cannot both apply it, and the customs channel is idempotent per declaration.
 */
import type { CustomsService } from '../customs/customs-service.ts';
import { PeriodicJob } from './periodic-job.ts';

export interface CustomsJobsOptions {
  readonly customs: CustomsService;
  readonly intervalMs?: number;
  readonly logger?: { error(obj: unknown, msg: string): void };
}

/** Moves due customs declarations along ACCEPTED -> SUBMITED -> SUCCESS | FAIL, every `intervalMs`. */
export class CustomsJobs extends PeriodicJob {
  constructor(options: CustomsJobsOptions) {
    super({
      name: 'customs jobs',
      intervalMs: options.intervalMs,
      logger: options.logger,
      runOnce: () =>
        options.customs.resolveDueBatch(100, (declarationId, error) =>
          options.logger?.error({ declarationId, err: (error as Error).message }, 'customs step failed'),
        ),
    });
  }
}
