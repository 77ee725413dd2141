/** `umf-gateway notifications list|redeliver`: the notifications of an object, and sending one again. */
import { chinaReadable } from '../time/china-time.ts';
import { CommandError, UsageError, type Command } from './command.ts';
import { stringFlag } from './flag-values.ts';

const list: Command = {
  words: ['notifications', 'list'],
  summary: 'the notifications of a payment, refund or declaration, with their attempts',
  flags: { object: { type: 'string', value: 'ID', help: 'the payment, refund or customs declaration' } },
  async run({ flags, json, io, context }) {
    const objectId = stringFlag(flags, 'object');
    if (!objectId) throw new UsageError('notifications list needs --object ID (a payment, refund or declaration)');
    const { outbox } = (await context()).repositories;
    const entries = await outbox.forObject(objectId);
    const withAttempts = await Promise.all(entries.map(async (n) => ({ n, tries: await outbox.attempts(n.id) })));
    if (json) {
      const answer = withAttempts.map(({ n, tries }) => ({
        notification_id: n.id,
        object_type: n.objectType,
        object_id: n.objectId,
        state: n.state,
        url: n.url,
        attempts: tries.map((a) => ({
          attempt: a.attempt,
          at: new Date(a.at).toISOString(),
          outcome: a.outcome,
          http_status: a.httpStatus,
          duration_ms: a.durationMs,
          error: a.error,
        })),
      }));
      io.out(JSON.stringify(answer, null, 2) + '\n');
      return 0;
    }
    for (const { n, tries } of withAttempts) {
      const lastError = n.lastError ? ` last_error=${n.lastError}` : '';
      io.out(`${n.id} ${n.objectType} ${n.objectId} ${n.state} attempts=${n.attempts} url=${n.url}${lastError}\n`);
      for (const a of tries) {
        const http = a.httpStatus ? ` http=${a.httpStatus}` : '';
        const error = a.error ? ` ${a.error}` : '';
        io.out(`  #${a.attempt} ${chinaReadable(a.at)} ${a.outcome}${http} ${a.durationMs}ms${error}\n`);
      }
    }
    if (entries.length === 0) io.out('no notifications\n');
    return 0;
  },
};

const redeliver: Command = {
  words: ['notifications', 'redeliver'],
  summary: 'send a notification again now (also one that was given up)',
  args: [{ name: 'NTF_ID', help: 'the notification (NTF_...)' }],
  async run({ args, json, io, context }) {
    const id = args[0]!;
    const ctx = await context();
    const ok = await ctx.store.write((trx) => ctx.repositories.outbox.redeliver(trx, id, Date.now()));
    if (!ok) throw new CommandError(`no notification ${id}`);
    io.out(json ? JSON.stringify({ notification_id: id, queued: true }) + '\n' : `${id} queued for delivery\n`);
    return 0;
  },
};

export const NOTIFICATION_COMMANDS: readonly Command[] = [list, redeliver];
