/**
 * The payment side of a document review: documents/ defines it, payments/ implements it (the ledger
 * entry and the rate of the release), context.ts wires the two.
 */
import type { Trx } from '../store/database.ts';

/** The payment side of a document review (implemented by payments/). */
export interface HeldFunds {
  /** Before the approval's transaction: the rate a release of the payment would lock now. */
  releaseRate(paymentId: string): Promise<string>;
  /**
   * Inside the approval's transaction: funds_state held -> released (guarded), the ledger entry, the
   * rate. False when the payment is not held any more (cancelled after its window, or already
   * released): the approval then rolls back.
   */
  release(trx: Trx, paymentId: string, now: number, rate: string): Promise<boolean>;
}
