/**
 * Finding 3 of the hardening issue: knowing a client_id must not let a stranger lock its merchant
 * out. Wrong secrets slow down the ADDRESS they come from (per client id and per address, in the
 * database, so every process on it shares them); the merchant's right secret keeps working from an
 * address that has not failed. On SQLite and PostgreSQL, with the harness's clock.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openStore } from '../../src/store/database.ts';
import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';

const ATTACKER = '203.0.113.7';
const MERCHANT = '198.51.100.20';

for (const kind of testDatabaseUrls()) {
  describe(`token endpoint throttle (${kind.name})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(kind, { workers: false });
    });
    after(async () => h?.close());

    const authorize = (m: TestMerchant, secret: string, from: string) =>
      h.gateway.app.inject({
        method: 'POST',
        url: '/cberest/v1/oauth/authorize',
        remoteAddress: from,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ client_id: m.clientId, client_secret: secret, grant_type: 'client_credentials' }),
      });
    const codeOf = (res: { body: string }) => (JSON.parse(res.body) as { meta?: { ret_code?: string } }).meta?.ret_code;

    test("a stranger's wrong secrets do not lock the merchant out: only the stranger's address waits", async (t) => {
      t.after(h.clock.freeze());
      const m = await h.merchant();
      for (let i = 0; i < 30; i++) {
        const res = await authorize(m, `wrong-${i}`, ATTACKER);
        assert.ok(res.statusCode === 401 || res.statusCode === 429, res.body);
      }
      const blocked = await authorize(m, m.clientSecret, ATTACKER);
      assert.equal(blocked.statusCode, 429);
      assert.equal(codeOf(blocked), '00280704');
      assert.ok(Number(blocked.headers['retry-after']) >= 1, 'Retry-After is set');

      const fromMerchant = await authorize(m, m.clientSecret, MERCHANT);
      assert.equal(fromMerchant.statusCode, 200, fromMerchant.body);
      assert.match(fromMerchant.body, /^\{"access_token":"[0-9a-f]{64}"/);
    });

    test('the wait doubles with each failure after the tenth and ends when Retry-After says', async (t) => {
      t.after(h.clock.freeze());
      const m = await h.merchant();
      const from = '192.0.2.33';
      for (let i = 0; i < 10; i++) assert.equal((await authorize(m, `wrong-${i}`, from)).statusCode, 401);
      const first = await authorize(m, m.clientSecret, from);
      assert.equal(first.statusCode, 429);
      assert.equal(first.headers['retry-after'], '1');
      h.clock.advance(1000);
      assert.equal((await authorize(m, 'wrong-again', from)).statusCode, 401);
      const second = await authorize(m, m.clientSecret, from);
      assert.equal(second.headers['retry-after'], '2');
      h.clock.advance(2000);
      const ok = await authorize(m, m.clientSecret, from);
      assert.equal(ok.statusCode, 200, ok.body);
    });

    test('random bearer tokens: after 30 within a minute the address waits a minute, others do not', async (t) => {
      t.after(h.clock.freeze());
      const m = await h.merchant();
      const token = await h.token(m);
      const from = '192.0.2.99';
      const bank = (bearer: string, remoteAddress: string) =>
        h.gateway.app.inject({
          method: 'GET',
          url: '/cberest/v1/bank?type=CREDIT_CARD',
          remoteAddress,
          headers: { authorization: `Bearer ${bearer}` },
        });
      for (let i = 0; i < 30; i++) {
        const res = await bank(i.toString(16).padStart(64, 'a'), from);
        assert.equal(res.statusCode, 401, res.body);
        assert.equal(codeOf(res), '00280703');
      }
      const limited = await bank('b'.repeat(64), from);
      assert.equal(limited.statusCode, 429, limited.body);
      assert.equal(codeOf(limited), '00280704');
      assert.equal(limited.headers['retry-after'], '60');
      assert.ok(h.verifies(limited.body), 'the 429 is signed like every API answer');
      // The address waits even with a valid token; another address with it is served.
      assert.equal((await bank(token, from)).statusCode, 429);
      assert.equal((await bank(token, MERCHANT)).statusCode, 200);
      h.clock.advance(60_000);
      assert.equal((await bank(token, from)).statusCode, 200);
    });

    test('the counts are rows in the database that a second gateway process would read', async () => {
      const m = await h.merchant();
      const from = '192.0.2.77';
      for (let i = 0; i < 3; i++) await authorize(m, `wrong-${i}`, from);
      const row = await h.gateway.context.store.db
        .selectFrom('auth_throttle')
        .selectAll()
        .where('key', '=', `pair:${from} ${m.clientId}`)
        .executeTakeFirstOrThrow();
      assert.equal(row.failures, 3);
    });
  });

  test(`migration 006 upgrades a database that has auth_failures (${kind.name})`, async (t) => {
    const tdb = await kind.open();
    if (!tdb.shared) {
      t.skip('in-memory PGlite: a second store is another database');
      return;
    }
    try {
      let store = await openStore({ url: tdb.url, walCheckpointer: false });
      // Back to the schema of 005: the old table, with a lockout in it, and 006 not applied.
      await sql`drop table auth_throttle`.execute(store.db);
      await sql`create table auth_failures (client_id text primary key, failures integer not null,
        window_start bigint not null, locked_until bigint not null)`.execute(store.db);
      await sql`insert into auth_failures values ('c_locked', 10, 1, ${Date.now() + 900_000})`.execute(store.db);
      // 006 and the migrations after it run again (Kysely runs them in order; later ones are idempotent).
      await sql`delete from kysely_migration where name >= '006-auth-throttle'`.execute(store.db);
      await store.close();

      store = await openStore({ url: tdb.url, walCheckpointer: false });
      try {
        const rows = await store.db.selectFrom('auth_throttle').selectAll().execute();
        assert.deepEqual(rows, []);
        await assert.rejects(sql`select * from auth_failures`.execute(store.db));
      } finally {
        await store.close();
      }
    } finally {
      await tdb.drop();
    }
  });
}
