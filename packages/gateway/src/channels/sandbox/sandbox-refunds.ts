/**
 * How the sandbox channels (card bank, WeChat Pay, Alipay) answer refunds. Deterministic, so a
 * merchant's integration and the tests can produce every outcome:
 * - every refund is answered REFUND_SUCCESS `SANDBOX_REFUND_DELAY_MS` (2 s) after it was accepted;
 *   until then the channel says "pending" and the refund stays REFUND_PROCESS (the gateway's refund
 *   job asks again when the delay is over);
 * - a refund whose amount ends in .13 (in minor units of the order currency the last two digits are
 *   13: USD 1.13, EUR 20.13, JPY 113) is refused instead: REFUND_FAIL with 00060767 "Refund request
 *   failure" (refund_refused), and its amount becomes refundable again.
 */
import type { RefundRequest, RefundResult } from '../channels.ts';

export const SANDBOX_REFUND_DELAY_MS = 2_000;

/** True for the sandbox's refused refunds: amounts ending in .13. */
export function sandboxRefundRefused(amountMinor: bigint): boolean {
  return amountMinor % 100n === 13n;
}

export function sandboxRefundOutcome(request: RefundRequest, delayMs: number = SANDBOX_REFUND_DELAY_MS): RefundResult {
  const answerAt = request.requestedAt + delayMs;
  if (request.now < answerAt) return { outcome: 'pending', retryAt: answerAt };
  if (sandboxRefundRefused(request.amountMinor)) return { outcome: 'failed', reason: 'refund_refused' };
  return { outcome: 'success' };
}
