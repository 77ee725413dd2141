/**
 * The payment state machine, in one place. `state` is what merchants see; `stage` tracks where a
 * WAIT_BUYER_PAY payment is in its flow. Every change is a guarded update of the payment repository
 * (`WHERE state = :from AND stage = :fromStage`), so two racing requests cannot both win: the loser
 * updates no row.
 *
 *   created      payment accepted, nothing asked of the payer yet
 *   sms_sent     card checked and a verification code sent; waiting for execute
 *   processing   execute accepted, the bank is being asked (short; recovered by the bank poller)
 *   bank_pending the bank has not answered yet; the bank poller asks again at bank_resolve_at
 *   done         final state reached
 *
 * One move leaves a final state: a paid B2B payment whose CNY is still held for its documents
 * (`funds: 'held'`) becomes TRADE_CANCEL when the document window passes (payments/held-funds.ts;
 * the repository's update is guarded on `funds_state = 'held'` as well). No other TRADE_SUCCESS moves.
 */
import type { StateMachine } from '../lifecycle/state-mover.ts';

export const PAYMENT_STATES = [
  'WAIT_BUYER_PAY',
  'TRADE_SUCCESS',
  'TRADE_CLOSED',
  'TRADE_CANCEL',
  'TRADE_FAIL',
] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];
export type PaymentStage = 'created' | 'sms_sent' | 'processing' | 'bank_pending' | 'done';

/** Where a payment is: its state and, while unpaid, its stage. */
export interface PaymentPosition {
  readonly state: PaymentState;
  readonly stage: PaymentStage;
  /** A B2B payment's funds (payments.funds_state): `held` lets TRADE_SUCCESS become TRADE_CANCEL. */
  readonly funds?: 'held' | 'released' | 'returned' | null;
}

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

export function isFinal(state: PaymentState): boolean {
  return state !== 'WAIT_BUYER_PAY';
}

export const PAYMENT_MACHINE: StateMachine<PaymentPosition> = {
  allows(from, to) {
    if (from.state === 'TRADE_SUCCESS' && to.state === 'TRADE_CANCEL') {
      return from.funds === 'held' && from.stage === 'done' && to.stage === 'done';
    }
    const stateOk = TRANSITIONS[from.state].includes(to.state);
    const stageOk = from.stage === to.stage ? to.stage !== 'done' : STAGES[from.stage].includes(to.stage);
    const finalOk = isFinal(to.state) === (to.stage === 'done');
    return stateOk && stageOk && finalOk;
  },
  describe: (from, to) =>
    `payment ${from.state}/${from.stage}${from.funds ? ` (funds ${from.funds})` : ''} -> ${to.state}/${to.stage}`,
};
