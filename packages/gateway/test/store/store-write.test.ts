/**
 * store.write (group commit on SQLite, one transaction per call on PostgreSQL) and prepared queries.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/database.ts';
import { PreparedInsert, PreparedQuery } from '../../src/store/prepared.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';

const insertRate = new PreparedInsert('fx_rates', ['currency', 'rate', 'source', 'updated_at']);
const rateOf = new PreparedQuery<[currency: string], { currency: string; rate: string }>(1, (db, [currency]) =>
  db.selectFrom('fx_rates').select(['currency', 'rate']).where('currency', '=', currency).where('source', '=', 'test'),
);

for (const kind of testDatabaseUrls()) {
  test(`store.write: concurrent writes all commit; a failing one fails alone (${kind.name})`, async () => {
    const tdb = await kind.open();
    const store = await openStore({ url: tdb.url });
    try {
      const trxSeen: unknown[] = [];
      const writes = ['AAA', 'BBB', 'CCC', 'DDD'].map((currency, i) =>
        store.write(async (trx) => {
          trxSeen.push(trx);
          await insertRate.run(trx, { currency, rate: `1.${i}`, source: 'test', updated_at: i });
          return currency;
        }),
      );
      // A write that inserts a duplicate key, and one that throws after writing.
      const duplicate = store.write(async (trx) =>
        insertRate.run(trx, { currency: 'AAA', rate: '9', source: 'test', updated_at: 9 }),
      );
      const throwing = store.write(async (trx) => {
        await insertRate.run(trx, { currency: 'EEE', rate: '2', source: 'test', updated_at: 0 });
        throw new Error('changed my mind');
      });
      const settled = await Promise.allSettled([...writes, duplicate, throwing]);
      assert.deepEqual(
        settled.slice(0, 4).map((s) => (s.status === 'fulfilled' ? s.value : s.reason)),
        ['AAA', 'BBB', 'CCC', 'DDD'],
        'each write resolves with its own result',
      );
      assert.equal(settled[4]!.status, 'rejected', 'the duplicate key fails');
      assert.equal(settled[5]!.status, 'rejected', 'the throwing write fails');
      assert.match(String((settled[5] as PromiseRejectedResult).reason), /changed my mind/, 'with its own error');
      for (const currency of ['AAA', 'BBB', 'CCC', 'DDD']) {
        assert.ok(await rateOf.takeFirst(store.db, currency), `${currency} committed`);
      }
      assert.equal((await rateOf.takeFirst(store.db, 'AAA'))?.rate, '1.0', 'the first AAA stays');
      assert.equal(await rateOf.takeFirst(store.db, 'EEE'), undefined, 'nothing of the throwing write committed');
      if (kind.name === 'sqlite') {
        assert.ok(
          new Set(trxSeen).size < trxSeen.length,
          `writes of one turn of the event loop shared a transaction (${new Set(trxSeen).size} for ${trxSeen.length})`,
        );
      }
      // Later writes still work, and close waits for queued ones.
      const late = store.write(async (trx) =>
        insertRate.run(trx, { currency: 'FFF', rate: '3', source: 'test', updated_at: 0 }),
      );
      await late;
      assert.ok(await rateOf.takeFirst(store.db, 'FFF'), 'a later write commits');
    } finally {
      await store.close();
      await tdb.drop();
    }
  });

  // On SQLite a write waits in the group-commit queue until the next turn of the event loop.
  if (kind.name === 'sqlite')
    test(`store.write: close() settles writes still queued (${kind.name})`, async () => {
      const tdb = await kind.open();
      const store = await openStore({ url: tdb.url });
      let closed = false;
      try {
        const queued = store.write(async (trx) =>
          insertRate.run(trx, { currency: 'GGG', rate: '1', source: 'test', updated_at: 0 }),
        );
        await store.close();
        closed = true;
        await queued;
        assert.ok(true, 'the queued write settled before the store closed');
      } finally {
        if (!closed) await store.close();
        await tdb.drop();
      }
    });

  test(`prepared queries give what Kysely gives, with values swapped in (${kind.name})`, async () => {
    const tdb = await kind.open();
    const store = await openStore({ url: tdb.url });
    try {
      await insertRate.run(store.db, { currency: 'XAA', rate: '1.5', source: 'test', updated_at: 1 });
      await insertRate.run(store.db, { currency: 'XBB', rate: '2.5', source: 'test', updated_at: 2 });
      assert.deepEqual(await rateOf.execute(store.db, 'XAA'), [{ currency: 'XAA', rate: '1.5' }]);
      assert.deepEqual(await rateOf.execute(store.db, 'XBB'), [{ currency: 'XBB', rate: '2.5' }]);
      assert.deepEqual(await rateOf.execute(store.db, 'XCC'), []);
      const viaKysely = await store.db
        .selectFrom('fx_rates')
        .select(['currency', 'rate'])
        .where('currency', '=', 'XBB')
        .where('source', '=', 'test')
        .execute();
      assert.deepEqual(await rateOf.execute(store.db, 'XBB'), viaKysely, 'the same rows as the built query');
      // Inside a transaction too.
      await store.db.transaction().execute(async (trx) => {
        assert.equal((await rateOf.takeFirst(trx, 'XAA'))?.rate, '1.5', 'a prepared query runs in a transaction');
      });
      await assert.rejects(
        insertRate.run(store.db, { currency: 'XDD', rate: '1' }),
        /no value for source/,
        'a missing column is an error, not a default',
      );
    } finally {
      await store.close();
      await tdb.drop();
    }
  });
}

test('a prepared query whose values do not all become parameters is refused', async () => {
  const [sqlite] = testDatabaseUrls();
  const tdb = await sqlite!.open();
  const store = await openStore({ url: tdb.url });
  try {
    const bad = new PreparedQuery<[a: string, b: string], unknown>(2, (db, [a]) =>
      db.selectFrom('fx_rates').selectAll().where('currency', '=', a),
    );
    await assert.rejects(bad.execute(store.db, 'USD', 'unused'), /uses 1 of its 2 values/);
  } finally {
    await store.close();
    await tdb.drop();
  }
});
