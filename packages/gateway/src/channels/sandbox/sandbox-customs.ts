/**
 * The sandbox customs offices. Deterministic, so a merchant's integration and the tests can produce
 * every outcome:
 * - a declaration is handed to the office `SANDBOX_CUSTOMS_SUBMIT_DELAY_MS` (1 s) after the gateway
 *   accepted it (ACCEPTED -> SUBMITED); until then `submit` says "pending";
 * - the office answers `SANDBOX_CUSTOMS_ANSWER_DELAY_MS` (2 s) after it was handed over: SUCCESS,
 *   except for a declaration whose `mer_customs_code` ends in `13`, which the office refuses (FAIL
 *   with 00202018 and the office's reason: the merchant is not registered with it), in the spirit of
 *   the refund sandbox's ".13" rule.
 * Pure functions of the declaration and the time: idempotent per declaration, as CustomsChannel asks.
 */
import { findCustomsOffice } from '../../reference/customs-offices.ts';
import type { CustomsAnswer, CustomsChannel, CustomsSubmission, CustomsSubmitResult } from '../channels.ts';

export const SANDBOX_CUSTOMS_SUBMIT_DELAY_MS = 1_000;
export const SANDBOX_CUSTOMS_ANSWER_DELAY_MS = 2_000;

/** True for the declarations the sandbox offices refuse: mer_customs_code ending in 13. */
export function sandboxCustomsRefused(merCustomsCode: string): boolean {
  return merCustomsCode.endsWith('13');
}

export class SandboxCustoms implements CustomsChannel {
  readonly #submitDelayMs: number;
  readonly #answerDelayMs: number;

  constructor(options: { submitDelayMs?: number; answerDelayMs?: number } = {}) {
    this.#submitDelayMs = options.submitDelayMs ?? SANDBOX_CUSTOMS_SUBMIT_DELAY_MS;
    this.#answerDelayMs = options.answerDelayMs ?? SANDBOX_CUSTOMS_ANSWER_DELAY_MS;
  }

  async submit(declaration: CustomsSubmission): Promise<CustomsSubmitResult> {
    const submitAt = declaration.acceptedAt + this.#submitDelayMs;
    if (declaration.now < submitAt) return { outcome: 'pending', retryAt: submitAt };
    return { outcome: 'submitted', answerAt: declaration.now + this.#answerDelayMs };
  }

  async inquire(declaration: CustomsSubmission & { readonly submittedAt: number }): Promise<CustomsAnswer> {
    const answerAt = declaration.submittedAt + this.#answerDelayMs;
    if (declaration.now < answerAt) return { outcome: 'pending', retryAt: answerAt };
    if (sandboxCustomsRefused(declaration.merCustomsCode)) {
      const office = findCustomsOffice(declaration.customsId);
      return {
        outcome: 'failed',
        reason: 'customs_rejected',
        words:
          `${office?.name ?? declaration.customsId} customs has no e-commerce enterprise registered as ` +
          `${declaration.merCustomsCode} (sandbox: mer_customs_code ending in 13 is refused)`,
      };
    }
    return { outcome: 'success' };
  }
}
