/**
 * StateMover, the one way payments, refunds and customs declarations change state, driven here with
 * a real payment row and the payment state machine: a move that wins commits its `before`, guarded
 * update, `after`, timeline event and notification together; a move that loses the race (the
 * guarded update matched no row) writes none of them; an illegal move is refused before anything
 * is written.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { openWorld, type World } from './service-world.ts';
import { IllegalMoveError, StateMover, type StateMove } from '../../src/lifecycle/state-mover.ts';
import { PAYMENT_MACHINE, type PaymentPosition } from '../../src/payments/payment-state.ts';
import { REFUND_MACHINE } from '../../src/refunds/refund-record.ts';
import type { PaymentRecord } from '../../src/payments/payment-record.ts';

const CREATED: PaymentPosition = { state: 'WAIT_BUYER_PAY', stage: 'created' };
const CLOSED: PaymentPosition = { state: 'TRADE_CLOSED', stage: 'done' };

interface Probe {
  readonly mover: StateMover;
  /** How many times the outbox told its listeners that notifications committed. */
  readonly commits: () => number;
  readonly afterCalls: string[];
}

function probe(w: World): Probe {
  let commits = 0;
  w.context.outbox.onCommitted(() => commits++);
  const mover = new StateMover({
    store: w.context.store,
    timeline: w.repositories.timeline,
    outbox: w.context.outbox,
  });
  return { mover, commits: () => commits, afterCalls: [] };
}

/** A move of the payment from CREATED to CLOSED, with a `before` write, an `after` step and a notification. */
function closeMove(
  w: World,
  p: Probe,
  paymentId: string,
  options: { withBefore?: boolean; notify?: boolean } = {},
): StateMove<PaymentRecord, PaymentPosition> {
  const now = w.clock.now();
  return {
    machine: PAYMENT_MACHINE,
    from: CREATED,
    to: CLOSED,
    now,
    before:
      options.withBefore === false
        ? undefined
        : (trx) => w.repositories.timeline.record(trx, { paymentId, type: 'before_move', detail: null }, now),
    update: (trx) => w.repositories.payments.move(trx, paymentId, CREATED, CLOSED, {}, now),
    after: async (_trx, moved) => {
      p.afterCalls.push(moved.id);
    },
    event: (moved) => ({ paymentId: moved.id, type: 'test_closed', detail: moved.state }),
    notification:
      options.notify === false
        ? undefined
        : (moved) => ({
            merchantId: moved.merchant_id,
            objectType: 'payment',
            objectId: moved.id,
            url: moved.notify_url,
            payload: { payment: { id: moved.id, state: moved.state } },
          }),
  };
}

/** The types of the payment's timeline events, sorted (events of one millisecond have no order). */
async function eventTypes(w: World, paymentId: string): Promise<string[]> {
  return (await w.repositories.timeline.of(w.context.db, paymentId)).map((e) => e.type).sort();
}

test('a move that wins commits its update, before, after, event and notification together', async (t) => {
  const w = await openWorld(t);
  const p = probe(w);
  const shop = await w.merchant();
  const payment = await w.createPayment(shop);

  const moved = await p.mover.apply(closeMove(w, p, payment.id));
  assert.equal(moved?.state, 'TRADE_CLOSED');
  assert.equal(moved.version, payment.version + 1);
  assert.equal((await w.payment(payment.id)).state, 'TRADE_CLOSED');
  assert.deepEqual(await eventTypes(w, payment.id), ['before_move', 'created', 'test_closed']);
  assert.deepEqual(p.afterCalls, [payment.id]);
  const rows = await w.repositories.outbox.forObject(payment.id);
  assert.equal(rows.length, 1);
  assert.deepEqual(JSON.parse(rows[0]!.body), { payment: { id: payment.id, state: 'TRADE_CLOSED' } });
  assert.equal(rows[0]!.state, 'pending');
  assert.equal(p.commits(), 1, 'the workers are told once the move committed');
});

test('a lost race writes nothing, its before included, and returns undefined', async (t) => {
  const w = await openWorld(t);
  const p = probe(w);
  const shop = await w.merchant();
  const payment = await w.createPayment(shop);
  await p.mover.apply(closeMove(w, p, payment.id));
  const before = await eventTypes(w, payment.id);

  // The same move again: the payment is no longer CREATED, so the guarded update matches no row.
  assert.equal(await p.mover.apply(closeMove(w, p, payment.id)), undefined);
  assert.deepEqual(await eventTypes(w, payment.id), before, 'no second before_move, no second event');
  assert.equal((await w.repositories.outbox.forObject(payment.id)).length, 1, 'no second notification');
  assert.deepEqual(p.afterCalls, [payment.id], 'after runs only for the winner');
  assert.equal(p.commits(), 1);

  // Without a before step a lost race is just as silent.
  assert.equal(await p.mover.apply(closeMove(w, p, payment.id, { withBefore: false })), undefined);
  assert.deepEqual(await eventTypes(w, payment.id), before);
  assert.equal((await w.repositories.outbox.forObject(payment.id)).length, 1);
});

test('of two moves at once, one wins and the other writes nothing', async (t) => {
  const w = await openWorld(t);
  const p = probe(w);
  const shop = await w.merchant();
  const payment = await w.createPayment(shop);

  const results = await Promise.all([
    p.mover.apply(closeMove(w, p, payment.id)),
    p.mover.apply(closeMove(w, p, payment.id)),
  ]);
  assert.equal(results.filter((r) => r !== undefined).length, 1);
  const types = await eventTypes(w, payment.id);
  assert.equal(types.filter((type) => type === 'before_move').length, 1, types.join(', '));
  assert.equal(types.filter((type) => type === 'test_closed').length, 1);
  assert.equal((await w.repositories.outbox.forObject(payment.id)).length, 1);
  assert.equal(p.commits(), 1);
});

test('an illegal move throws IllegalMoveError before anything is written', async (t) => {
  const w = await openWorld(t);
  const p = probe(w);
  const shop = await w.merchant();
  const payment = await w.createPayment(shop);
  let updates = 0;
  const illegal = (from: PaymentPosition, to: PaymentPosition): StateMove<PaymentRecord, PaymentPosition> => ({
    ...closeMove(w, p, payment.id),
    from,
    to,
    update: async () => {
      updates++;
      return undefined;
    },
  });

  // Out of a final state; into a final state without its stage; back to a stage already passed.
  await assert.rejects(p.mover.apply(illegal(CLOSED, CREATED)), IllegalMoveError);
  await assert.rejects(
    p.mover.apply(illegal(CREATED, { state: 'TRADE_SUCCESS', stage: 'processing' })),
    /payment WAIT_BUYER_PAY\/created -> TRADE_SUCCESS\/processing/,
  );
  await assert.rejects(
    p.mover.apply(illegal({ state: 'WAIT_BUYER_PAY', stage: 'sms_sent' }, CREATED)),
    IllegalMoveError,
  );
  assert.equal(updates, 0);
  assert.deepEqual(await eventTypes(w, payment.id), ['created']);
  assert.equal((await w.repositories.outbox.forObject(payment.id)).length, 0);
  assert.equal(p.commits(), 0);

  // The machines of the other aggregates are held the same way.
  assert.equal(REFUND_MACHINE.allows('REFUND_PROCESS', 'REFUND_SUCCESS'), true);
  assert.equal(REFUND_MACHINE.allows('REFUND_SUCCESS', 'REFUND_PROCESS'), false);
  assert.equal(REFUND_MACHINE.allows('REFUND_FAIL', 'REFUND_SUCCESS'), false);
});

test('the notification is written only when the move is, and only for notified moves', async (t) => {
  const w = await openWorld(t);
  const p = probe(w);
  const shop = await w.merchant();
  const quiet = await w.createPayment(shop);
  const noisy = await w.createPayment(shop);

  const moved = await p.mover.apply(closeMove(w, p, quiet.id, { notify: false }));
  assert.equal(moved?.state, 'TRADE_CLOSED');
  assert.ok((await eventTypes(w, quiet.id)).includes('test_closed'), 'the event is written');
  assert.equal((await w.repositories.outbox.forObject(quiet.id)).length, 0);
  assert.equal(p.commits(), 0, 'nothing to tell the workers');

  // A move whose after step fails rolls back: no update, no event, no notification.
  const failing: StateMove<PaymentRecord, PaymentPosition> = {
    ...closeMove(w, p, noisy.id),
    after: async () => {
      throw new Error('the ledger is closed today');
    },
  };
  await assert.rejects(p.mover.apply(failing), /the ledger is closed today/);
  assert.equal((await w.payment(noisy.id)).state, 'WAIT_BUYER_PAY');
  assert.deepEqual(await eventTypes(w, noisy.id), ['created']);
  assert.equal((await w.repositories.outbox.forObject(noisy.id)).length, 0);
  assert.equal(p.commits(), 0);

  // The same move without the failure goes through, notification and all.
  await p.mover.apply(closeMove(w, p, noisy.id));
  assert.equal((await w.repositories.outbox.forObject(noisy.id)).length, 1);
  assert.equal(p.commits(), 1);
});
