/**
 * `umf-gateway payments list|show`: payments as an operator looks for them (the console's filters),
 * and one payment with everything that happened to it: its timeline, refunds, customs declarations
 * and notifications with their attempts.
 */
import { formatAmount, formatScaled } from '../money/decimal.ts';
import { PAYMENT_STATES } from '../payments/payment-state.ts';
import { PAYMENT_METHODS } from '../payments/payment-request.ts';
import type { PaymentRecord } from '../payments/payment-record.ts';
import type { PaymentSearch } from '../payments/payment-repository.ts';
import { chinaInstant, chinaReadable } from '../time/china-time.ts';
import type { GatewayContext } from '../context.ts';
import { CommandError, UsageError, type Command } from './command.ts';
import { choiceFlag, currencyValue, dateFlag, integerFlag, stringFlag } from './flag-values.ts';
import { textFields, textTable } from './text-table.ts';

const DAY_MS = 86_400_000;

const amountOf = (p: PaymentRecord) => `${formatAmount(p.amount_minor, p.currency)} ${p.currency}`;
const cnyOf = (p: PaymentRecord) => `${formatScaled(p.total_cny_minor, 2)} CNY`;

function paymentJson(p: PaymentRecord) {
  return {
    payment_id: p.id,
    merchant_id: p.merchant_id,
    mer_reference_id: p.mer_reference_id,
    mer_date: p.mer_date,
    state: p.state,
    payment_method: p.payment_method,
    amount: formatAmount(p.amount_minor, p.currency),
    currency: p.currency,
    total_cny: formatScaled(p.total_cny_minor, 2),
    exchange_rate: p.exchange_rate,
    card_last4: p.card_last4,
    refunded: formatAmount(p.refunded_minor, p.currency),
    failure_reason: p.failure_reason,
    created_at: new Date(p.created_at).toISOString(),
    updated_at: new Date(p.updated_at).toISOString(),
  };
}

const list: Command = {
  words: ['payments', 'list'],
  summary: 'payments, newest first, with filters',
  flags: {
    merchant: { type: 'string', value: 'ID', help: "one merchant's payments" },
    state: { type: 'string', value: 'STATE', help: `${PAYMENT_STATES.join(', ')} (several: comma-separated)` },
    method: { type: 'string', value: 'METHOD', help: 'payment method (CREDIT_CARD, WECHAT_SCAN, ...)' },
    currency: { type: 'string', value: 'CUR', help: 'order currency' },
    from: { type: 'string', value: 'YYYYMMDD', help: 'created on or after this China date' },
    to: { type: 'string', value: 'YYYYMMDD', help: 'created on or before this China date' },
    search: { type: 'string', value: 'TEXT', help: 'a payment id, a mer_reference_id, or the last four card digits' },
    limit: { type: 'string', value: 'N', help: 'how many (1-500, default 20)' },
    before: { type: 'string', value: 'PAY_ID', help: 'the page after this payment (the last one listed)' },
  },
  examples: [
    'umf-gateway payments list --state TRADE_SUCCESS --from 20261201 --currency USD',
    'umf-gateway payments list --search 0002 --json',
  ],
  async run({ flags, json, io, context }) {
    const states = stringFlag(flags, 'state')
      ?.split(',')
      .map((s) => s.trim().toUpperCase());
    const unknownState = states?.find((s) => !(PAYMENT_STATES as readonly string[]).includes(s));
    if (unknownState !== undefined)
      throw new UsageError(
        `--state: ${JSON.stringify(unknownState)} is not a state; the states are ${PAYMENT_STATES.join(', ')}`,
      );
    const method = choiceFlag({ method: stringFlag(flags, 'method')?.toUpperCase() }, 'method', PAYMENT_METHODS);
    const currencyText = stringFlag(flags, 'currency');
    const from = dateFlag(flags, 'from');
    const to = dateFlag(flags, 'to');
    if (from && to && from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
    const limit = integerFlag(flags, 'limit', 1, 500) ?? 20;
    const ctx = await context();
    const beforeId = stringFlag(flags, 'before');
    let before: PaymentSearch['before'];
    if (beforeId) {
      const anchor = await ctx.repositories.payments.findById(beforeId);
      if (!anchor) throw new CommandError(`--before: no payment ${beforeId}`);
      before = { createdAt: anchor.created_at, id: anchor.id };
    }
    const search: PaymentSearch = {
      limit,
      ...(stringFlag(flags, 'merchant') ? { merchantId: stringFlag(flags, 'merchant') } : {}),
      ...(states ? { states } : {}),
      ...(method ? { method } : {}),
      ...(currencyText ? { currency: currencyValue(currencyText, '--currency') } : {}),
      ...(from ? { createdFrom: chinaInstant(from, 0) } : {}),
      ...(to ? { createdBefore: chinaInstant(to, 0) + DAY_MS } : {}),
      ...(stringFlag(flags, 'search') ? { text: stringFlag(flags, 'search')!.trim() } : {}),
      ...(before ? { before } : {}),
    };
    const payments = await ctx.repositories.payments.search(search);
    if (json) {
      io.out(JSON.stringify(payments.map(paymentJson), null, 2) + '\n');
      return 0;
    }
    const rows = payments.map((p) => [
      p.id,
      p.merchant_id,
      p.state,
      p.payment_method,
      amountOf(p),
      cnyOf(p),
      p.card_last4 ? `*${p.card_last4}` : '',
      chinaReadable(p.created_at),
    ]);
    io.out(
      textTable(['PAYMENT', 'MERCHANT', 'STATE', 'METHOD', 'AMOUNT', 'CNY', 'CARD', 'CREATED'], rows, 'no payments'),
    );
    if (payments.length === limit)
      io.out(`more: umf-gateway payments list --before ${payments.at(-1)!.id} (with the same filters)\n`);
    return 0;
  },
};

async function paymentStory(ctx: GatewayContext, payment: PaymentRecord) {
  const { repositories, store } = ctx;
  const [timeline, refunds, customs] = await Promise.all([
    repositories.timeline.of(store.db, payment.id),
    repositories.refunds.ofPayment(payment.id),
    repositories.customs.ofPayment(payment.id),
  ]);
  const objects = [payment.id, ...refunds.map((r) => r.id), ...customs.map((c) => c.id)];
  const notifications = [];
  for (const objectId of objects) {
    for (const n of await repositories.outbox.forObject(objectId))
      notifications.push({ ...n, tries: await repositories.outbox.attempts(n.id) });
  }
  return { timeline, refunds, customs, notifications };
}

const show: Command = {
  words: ['payments', 'show'],
  summary: 'one payment: its state, amounts, timeline, refunds, customs and notifications',
  args: [{ name: 'PAYMENT_ID', help: 'the payment (PAY_...)' }],
  async run({ args, json, io, context }) {
    const ctx = await context();
    const payment = await ctx.repositories.payments.findById(args[0]!);
    if (!payment) throw new CommandError(`no payment ${args[0]} (umf-gateway payments list shows them)`);
    const story = await paymentStory(ctx, payment);
    if (json) {
      io.out(
        JSON.stringify(
          {
            ...paymentJson(payment),
            timeline: story.timeline.map((e) => ({ at: new Date(e.at).toISOString(), type: e.type, detail: e.detail })),
            refunds: story.refunds.map((r) => ({
              refund_id: r.id,
              state: r.state,
              amount: formatAmount(r.amount_minor, r.currency),
              currency: r.currency,
              created_at: new Date(r.created_at).toISOString(),
            })),
            customs_declarations: story.customs.map((c) => ({
              declaration_id: c.id,
              state: c.state,
              customs_id: c.customs_id,
              created_at: new Date(c.created_at).toISOString(),
            })),
            notifications: story.notifications.map((n) => ({
              notification_id: n.id,
              object_id: n.objectId,
              state: n.state,
              url: n.url,
              attempts: n.tries.map((a) => ({
                at: new Date(a.at).toISOString(),
                outcome: a.outcome,
                http_status: a.httpStatus,
                duration_ms: a.durationMs,
                error: a.error,
              })),
            })),
          },
          null,
          2,
        ) + '\n',
      );
      return 0;
    }
    let text = textFields({
      payment_id: payment.id,
      merchant_id: payment.merchant_id,
      mer_reference_id: `${payment.mer_reference_id} (${payment.mer_date})`,
      state: payment.failure_reason ? `${payment.state} (${payment.failure_reason})` : payment.state,
      payment_method: payment.payment_method + (payment.card_last4 ? ` card *${payment.card_last4}` : ''),
      amount: `${amountOf(payment)} = ${cnyOf(payment)} at ${payment.exchange_rate}`,
      refunded: `${formatAmount(payment.refunded_minor, payment.currency)} ${payment.currency}`,
      created_at: chinaReadable(payment.created_at),
      expires_at: chinaReadable(payment.expire_at),
    });
    text +=
      '\ntimeline:\n' +
      textTable(
        ['AT', 'EVENT', 'DETAIL'],
        story.timeline.map((e) => [chinaReadable(e.at), e.type, e.detail ?? '']),
        'nothing recorded',
      );
    if (story.refunds.length)
      text +=
        '\nrefunds:\n' +
        textTable(
          ['REFUND', 'STATE', 'AMOUNT', 'CREATED'],
          story.refunds.map((r) => [
            r.id,
            r.state,
            `${formatAmount(r.amount_minor, r.currency)} ${r.currency}`,
            chinaReadable(r.created_at),
          ]),
        );
    if (story.customs.length)
      text +=
        '\ncustoms declarations:\n' +
        textTable(
          ['DECLARATION', 'STATE', 'CUSTOMS', 'CREATED'],
          story.customs.map((c) => [c.id, c.state, c.customs_id, chinaReadable(c.created_at)]),
        );
    text += '\nnotifications:\n';
    if (story.notifications.length === 0) text += 'none\n';
    for (const n of story.notifications) {
      text += `${n.id} ${n.objectId} ${n.state} ${n.url}\n`;
      for (const a of n.tries)
        text +=
          `  #${a.attempt} ${chinaReadable(a.at)} ${a.outcome}${a.httpStatus ? ` HTTP ${a.httpStatus}` : ''} ` +
          `${a.durationMs} ms${a.error ? ` ${a.error}` : ''}\n`;
    }
    io.out(text);
    return 0;
  },
};

export const PAYMENT_COMMANDS: readonly Command[] = [list, show];
