/**
 * The payment state machine, in one place. `state` is what merchants see; `stage` tracks where a
 * WAIT_BUYER_PAY payment is in its flow. Every change goes through `transition()`, whose SQL is a
 * conditional update on the expected current state and stage, so two racing requests cannot both
 * win (the loser updates no row).
 */
import type { Transaction, Kysely, Updateable } from 'kysely';
import type { Database, PaymentsTable } from '../store/schema.ts';

export type PaymentState = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_CANCEL' | 'TRADE_FAIL';

/**
 * created      payment accepted, nothing asked of the payer yet
 * sms_sent     card checked and a verification code sent; waiting for execute
 * processing   execute accepted, the bank is being asked (short; recovered by the bank poller)
 * bank_pending the bank has not answered yet; the bank poller asks again at bank_resolve_at
 * done         final state reached
 */
export type PaymentStage = 'created' | 'sms_sent' | 'processing' | 'bank_pending' | 'done';

const TRANSITIONS: Readonly<Record<PaymentState, readonly PaymentState[]>> = {
  WAIT_BUYER_PAY: ['WAIT_BUYER_PAY', 'TRADE_SUCCESS', 'TRADE_FAIL', 'TRADE_CLOSED', 'TRADE_CANCEL'],
  TRADE_SUCCESS: [],
  TRADE_CLOSED: [],
  TRADE_CANCEL: [],
  TRADE_FAIL: [],
};

const STAGES: Readonly<Record<PaymentStage, readonly PaymentStage[]>> = {
  created: ['sms_sent', 'done'],
  sms_sent: ['sms_sent', 'processing', 'done'],
  processing: ['bank_pending', 'done'],
  bank_pending: ['done'],
  done: [],
};

export function isFinal(state: string): boolean {
  return state !== 'WAIT_BUYER_PAY';
}

export function canTransition(
  from: { state: PaymentState; stage: PaymentStage },
  to: { state: PaymentState; stage: PaymentStage },
): boolean {
  const stateOk = TRANSITIONS[from.state].includes(to.state);
  const stageOk = from.stage === to.stage ? to.stage !== 'done' : STAGES[from.stage].includes(to.stage);
  const finalOk = isFinal(to.state) === (to.stage === 'done');
  return stateOk && stageOk && finalOk;
}

export class IllegalTransitionError extends Error {}

/**
 * Moves one payment from (state, stage) to the target, with any other column changes, only if it is
 * still in the expected state and stage. Returns false when another request changed it first.
 */
export async function transition(
  db: Kysely<Database> | Transaction<Database>,
  paymentId: string,
  from: { state: PaymentState; stage: PaymentStage; version?: number },
  to: { state: PaymentState; stage: PaymentStage },
  changes: Omit<Updateable<PaymentsTable>, 'state' | 'stage' | 'version' | 'id'>,
  now: number,
): Promise<boolean> {
  if (!canTransition(from, to))
    throw new IllegalTransitionError(`payment ${from.state}/${from.stage} cannot become ${to.state}/${to.stage}`);
  let query = db
    .updateTable('payments')
    .set((eb) => ({ ...changes, state: to.state, stage: to.stage, updated_at: now, version: eb('version', '+', 1) }))
    .where('id', '=', paymentId)
    .where('state', '=', from.state)
    .where('stage', '=', from.stage);
  if (from.version !== undefined) query = query.where('version', '=', from.version);
  const result = await query.executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
