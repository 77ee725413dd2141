/**
 * followAttempts (what `notifications tail` polls): every attempt recorded after it started, once, in
 * order of id, including one committed after a newer one (within LOOKBACK_MS), never one recorded
 * before it started; and the queries it and `notifications list` run use the outbox's indexes.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { openStore } from '../../src/store/database.ts';
import { newId } from '../../src/store/ids.ts';
import { OutboxRepository } from '../../src/notifications/outbox-repository.ts';
import { LOOKBACK_MS, followAttempts, idFloor, timeOfId } from '../../src/notifications/attempt-follower.ts';

test('idFloor and timeOfId agree with store/ids.ts', () => {
  const t = 1_750_000_123_456;
  const id = newId('NTA_', t);
  assert.equal(timeOfId(id), t);
  assert.ok(idFloor(t) < id && idFloor(t + 1) > id && idFloor(t - 1) < idFloor(t));
});

test('every attempt once, late commits within the look-back included, nothing from before the start', async () => {
  const store = await openStore({ url: 'sqlite::memory:' });
  const repository = new OutboxRepository(store.db);
  const t0 = Date.now();
  await store.db
    .insertInto('outbox')
    .values(
      ['M1', 'M2'].map((m) => ({
        id: `NTF_${m}`,
        merchant_id: m,
        object_type: 'payment',
        object_id: `PAY_${m}`,
        url: 'http://127.0.0.1:9/n',
        body: '{}',
        signature: 's',
        state: 'pending',
        attempts: 1,
        next_attempt_at: t0,
        created_at: t0,
      })),
    )
    .execute();
  const attempt = (outbox: string, at: number) =>
    store.db
      .insertInto('notification_attempts')
      .values({
        id: newId('NTA_', at),
        outbox_id: outbox,
        attempt: 1,
        at,
        duration_ms: 1,
        outcome: 'http_error',
        http_status: 500,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
      .then((r) => r.id);
  const before = await attempt('NTF_M1', t0);
  const controller = new AbortController();
  const seen: string[] = [];
  const seenM2: string[] = [];
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const following = followAttempts(repository, {
    signal: controller.signal,
    pollMs: 20,
    onReady: () => ready(),
    onAttempt: (a) => seen.push(a.id),
  });
  const followingM2 = followAttempts(repository, {
    merchantId: 'M2',
    signal: controller.signal,
    pollMs: 20,
    onAttempt: (a) => seenM2.push(a.id),
  });
  await started;
  const newer = await attempt('NTF_M1', t0 + 5000);
  await sleep(80);
  const late = await attempt('NTF_M2', t0 + 5000 - LOOKBACK_MS + 500); // committed after `newer`
  const tooLate = await attempt('NTF_M1', t0 + 5000 - LOOKBACK_MS - 500);
  await sleep(120);
  controller.abort();
  await Promise.all([following, followingM2]);
  assert.deepEqual(seen, [newer, late], 'the newer one, then the late one; not the one from before the start');
  assert.ok(!seen.includes(before) && !seen.includes(tooLate));
  assert.deepEqual(seenM2, [late], 'only M2');
  await store.close();
});

// The statements of OutboxRepository.recent and attemptsFrom, as they compile.
test('the list and tail queries use indexes (SQLite query plans)', async () => {
  const store = await openStore({ url: 'sqlite::memory:' });
  const plan = async (query: { compile(): { sql: string; parameters: readonly unknown[] } }) => {
    const { sql: text, parameters } = query.compile();
    const values = [...parameters];
    const inlined = text.replace(/\?/g, () => {
      const value = values.shift();
      return typeof value === 'string' ? `'${value}'` : String(value);
    });
    const rows = await sql.raw(`EXPLAIN QUERY PLAN ${inlined}`).execute(store.db);
    return (rows.rows as Array<{ detail: string }>).map((r) => r.detail).join('; ');
  };
  const db = store.db;
  const byMerchant = await plan(
    db.selectFrom('outbox').selectAll().where('merchant_id', '=', 'M1').orderBy('id', 'desc').limit(20),
  );
  assert.match(byMerchant, /USING INDEX outbox_merchant/);
  assert.doesNotMatch(byMerchant, /TEMP B-TREE/, 'no sort: the index is in id order');
  const all = await plan(db.selectFrom('outbox').selectAll().orderBy('id', 'desc').limit(20));
  assert.match(all, /SCAN outbox|USING INDEX sqlite_autoindex_outbox_1/);
  assert.doesNotMatch(all, /TEMP B-TREE/);
  const failing = await plan(
    db
      .selectFrom('outbox')
      .selectAll()
      .where('state', 'in', ['pending', 'dead'])
      .where('last_error', 'is not', null)
      .orderBy('id', 'desc')
      .limit(20),
  );
  assert.match(failing, /USING INDEX outbox_due \(state=\?\)/);
  const tail = await plan(
    db
      .selectFrom('notification_attempts as a')
      .innerJoin('outbox as o', 'o.id', 'a.outbox_id')
      .selectAll()
      .where('a.id', '>', 'NTA_0')
      .orderBy('a.id')
      .limit(500),
  );
  assert.match(tail, /SEARCH a USING INDEX sqlite_autoindex_notification_attempts_1 \(id>\?\)/);
  assert.match(tail, /SEARCH o USING INDEX sqlite_autoindex_outbox_1 \(id=\?\)/);
  await store.close();
});
