/**
 * The ledger itself: entries must balance (rejected otherwise, nothing written), an event is posted
 * once, checkLedger() derives balances and finds every kind of disagreement (unbalanced lines, a paid
 * payment without its entry, a stray entry, a tampered refund reservation), the backfill of payments
 * paid before the ledger, and `umf-gateway ledger check`. SQLite and PostgreSQL.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { testDatabaseUrls, type TestDatabase } from '../helpers/test-databases.ts';
import { openStore, type Store } from '../../src/store/database.ts';
import { MerchantService } from '../../src/merchants/merchant-service.ts';
import { MerchantRepository } from '../../src/merchants/merchant-repository.ts';
import { systemClock } from '../../src/time/clock.ts';
import { ACCOUNTS, UnbalancedEntryError, assertBalanced, postEntry } from '../../src/ledger/journal.ts';
import { postPaymentSuccess } from '../../src/ledger/postings.ts';
import { accountBalance, checkLedger } from '../../src/ledger/ledger-check-repository.ts';
import { backfillPaymentEntries } from '../../src/store/migrations/003-ledger-and-refunds.ts';
import { main } from '../../src/cli/main.ts';

test('assertBalanced: lines must be bigint minor units of a known currency summing to zero per currency', () => {
  assert.doesNotThrow(() =>
    assertBalanced([
      { account: 'platform_clearing:CNY', amountMinor: 100n },
      { account: 'merchant_payable:M1:CNY', amountMinor: -100n },
    ]),
  );
  assert.doesNotThrow(() =>
    assertBalanced([
      { account: 'fx:CNY', amountMinor: 712n },
      { account: 'merchant_payable:M1:CNY', amountMinor: -712n },
      { account: 'fx:USD', amountMinor: -100n },
      { account: 'merchant_payable:M1:USD', amountMinor: 100n },
    ]),
  );
  assert.throws(
    () =>
      assertBalanced([
        { account: 'platform_clearing:CNY', amountMinor: 100n },
        { account: 'merchant_payable:M1:CNY', amountMinor: -99n },
      ]),
    UnbalancedEntryError,
  );
  assert.throws(
    () =>
      assertBalanced([
        { account: 'a:CNY', amountMinor: 100n },
        { account: 'b:USD', amountMinor: -100n },
      ]),
    /does not balance in (CNY|USD)/,
  );
  assert.throws(
    () =>
      assertBalanced([
        { account: 'a:XXX', amountMinor: 1n },
        { account: 'b:XXX', amountMinor: -1n },
      ]),
    /names no currency/,
  );
  assert.throws(
    () =>
      assertBalanced([
        { account: 'a:CNY', amountMinor: 1 as unknown as bigint },
        { account: 'b:CNY', amountMinor: -1n },
      ]),
    /bigint/,
  );
  assert.throws(() => assertBalanced([]), /needs lines/);
});

async function insertPayment(
  store: Store,
  merchantId: string,
  id: string,
  state: string,
  totalCny: bigint,
): Promise<void> {
  const now = Date.now();
  await store.db
    .insertInto('payments')
    .values({
      id,
      merchant_id: merchantId,
      mer_reference_id: id,
      mer_date: '20260101',
      state,
      stage: state === 'WAIT_BUYER_PAY' ? 'created' : 'done',
      payment_method: 'WECHAT_SCAN',
      interface_type: 'SERVER_TO_SERVER',
      business_type: 'B2C',
      bank_code: null,
      currency: 'CNY',
      amount_minor: totalCny,
      total_cny_minor: totalCny,
      exchange_rate: '1',
      order_json: '{}',
      payer_json: '{}',
      notify_url: 'http://127.0.0.1:9/n',
      ret_url: null,
      expire_at: now + 3600_000,
      created_at: now,
      updated_at: now,
      version: 1,
      execute_success_at: state === 'TRADE_SUCCESS' ? now : null,
      settle_date: null,
      card_last4: null,
      card_fingerprint: null,
      agreement_id: null,
      phone: null,
      sms_sent_count: 0,
      sms_last_sent_at: null,
      sms_code_hash: null,
      sms_code_expires_at: null,
      verify_failures: 0,
      card_secret_enc: null,
      bank_resolve_at: null,
      failure_reason: null,
      failure_detail: null,
      channel: 'WECHAT_SCAN',
      wallet_json: null,
    })
    .execute();
}

for (const kind of testDatabaseUrls()) {
  describe(`ledger (${kind.name})`, () => {
    let tdb: TestDatabase;
    let store: Store;
    let merchantId: string;

    before(async () => {
      tdb = await kind.open();
      store = await openStore({ url: tdb.url });
      const merchants = new MerchantService({ store, merchants: new MerchantRepository(store.db), clock: systemClock });
      merchantId = (await merchants.create({ name: 'Ledger Shop' })).merchant.id;
    });
    after(async () => {
      await store?.close();
      await tdb?.drop();
    });

    test('an empty ledger is OK', async () => {
      const result = await checkLedger(store.db);
      assert.ok(result.ok, `empty ledger ok: ${result.problems.join('; ')}`);
      assert.equal(result.entries, 0);
    });

    test(
      'a paid payment posts one entry; balances are derived; an unbalanced entry writes nothing; ' +
        'an event posts once',
      async () => {
        await insertPayment(store, merchantId, 'PAY_LEDGERONE', 'TRADE_SUCCESS', 71248n);
        await store.db
          .transaction()
          .execute((trx) =>
            postPaymentSuccess(trx, { paymentId: 'PAY_LEDGERONE', merchantId, cnyMinor: 71248n, now: Date.now() }),
          );
        let result = await checkLedger(store.db);
        assert.deepEqual(result.problems, []);
        assert.equal(await accountBalance(store.db, ACCOUNTS.platformClearing('CNY')), 71248n);
        assert.equal(await accountBalance(store.db, ACCOUNTS.merchantPayable(merchantId, 'CNY')), -71248n);

        await assert.rejects(
          store.db.transaction().execute((trx) =>
            postEntry(trx, {
              kind: 'payment_success',
              objectType: 'payment',
              objectId: 'PAY_UNBALANCED',
              lines: [
                { account: 'platform_clearing:CNY', amountMinor: 5n },
                { account: ACCOUNTS.merchantPayable(merchantId, 'CNY'), amountMinor: -4n },
              ],
              now: Date.now(),
            }),
          ),
          UnbalancedEntryError,
        );
        await assert.rejects(
          store.db
            .transaction()
            .execute((trx) =>
              postPaymentSuccess(trx, { paymentId: 'PAY_LEDGERONE', merchantId, cnyMinor: 71248n, now: Date.now() }),
            ),
          (error: Error) => /unique|duplicate/i.test(error.message),
          'the same event cannot be posted twice',
        );
        result = await checkLedger(store.db);
        assert.equal(result.entries, 1, 'nothing else was written');
        assert.ok(result.ok, result.problems.join('; '));
      },
    );

    test('checkLedger finds a paid payment without its entry, and the backfill posts it (once)', async () => {
      await insertPayment(store, merchantId, 'PAY_BEFORELEDGER', 'TRADE_SUCCESS', 1000n);
      await insertPayment(store, merchantId, 'PAY_UNPAIDONE', 'WAIT_BUYER_PAY', 500n);
      let result = await checkLedger(store.db);
      assert.equal(result.ok, false);
      assert.ok(
        result.problems.some((p) => p.includes('PAY_BEFORELEDGER is TRADE_SUCCESS but has no ledger entry')),
        result.problems.join('; '),
      );
      assert.ok(
        result.problems.some((p) => p.startsWith(`merchant_payable:${merchantId}:CNY is -71248, expected -72248`)),
        result.problems.join('; '),
      );
      assert.equal(await backfillPaymentEntries(store.db), 1);
      assert.equal(await backfillPaymentEntries(store.db), 0, 'idempotent');
      result = await checkLedger(store.db);
      assert.deepEqual(result.problems, []);
      assert.equal(await accountBalance(store.db, ACCOUNTS.platformClearing('CNY')), 72248n);
    });

    test('checkLedger finds a tampered line, a stray entry and a tampered refund reservation', async () => {
      // A line changed behind the ledger's back.
      const line = await store.db
        .selectFrom('ledger_lines')
        .selectAll()
        .where('account', '=', 'platform_clearing:CNY')
        .orderBy('entry_id')
        .executeTakeFirstOrThrow();
      await store.db
        .updateTable('ledger_lines')
        .set({ amount_minor: BigInt(line.amount_minor) + 1n })
        .where('entry_id', '=', line.entry_id)
        .where('line_no', '=', line.line_no)
        .execute();
      let result = await checkLedger(store.db);
      assert.ok(
        result.problems.some((p) => p.startsWith(`entry ${line.entry_id} does not balance in CNY: off by 1`)),
        result.problems.join('; '),
      );
      assert.ok(
        result.problems.some((p) => p.startsWith('the balances of CNY sum to 1')),
        result.problems.join('; '),
      );
      await store.db
        .updateTable('ledger_lines')
        .set({ amount_minor: BigInt(line.amount_minor) })
        .where('entry_id', '=', line.entry_id)
        .where('line_no', '=', line.line_no)
        .execute();

      // An entry for a payment that was never paid.
      await store.db
        .transaction()
        .execute((trx) =>
          postPaymentSuccess(trx, { paymentId: 'PAY_UNPAIDONE', merchantId, cnyMinor: 500n, now: Date.now() }),
        );
      result = await checkLedger(store.db);
      assert.ok(
        result.problems.some((p) => p === 'payment entry for PAY_UNPAIDONE, which is WAIT_BUYER_PAY'),
        result.problems.join('; '),
      );
      const stray = await store.db
        .selectFrom('ledger_entries')
        .select('id')
        .where('object_id', '=', 'PAY_UNPAIDONE')
        .executeTakeFirstOrThrow();
      await store.db.deleteFrom('ledger_lines').where('entry_id', '=', stray.id).execute();
      await store.db.deleteFrom('ledger_entries').where('id', '=', stray.id).execute();

      // A refund reservation that does not match any refund.
      await store.db
        .updateTable('payments')
        .set({ refunded_minor: 10n })
        .where('id', '=', 'PAY_BEFORELEDGER')
        .execute();
      result = await checkLedger(store.db);
      assert.ok(
        result.problems.some((p) =>
          p.startsWith('payment PAY_BEFORELEDGER (1000 / 1000 fen) records 10 / 0 fen refunded'),
        ),
        result.problems.join('; '),
      );
      await store.db.updateTable('payments').set({ refunded_minor: 0n }).where('id', '=', 'PAY_BEFORELEDGER').execute();
      result = await checkLedger(store.db);
      assert.deepEqual(result.problems, []);
    });

    test('umf-gateway ledger check prints the balances and exits 0, or 1 with the problems', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'umf-ledger-cli-'));
      try {
        let out = '';
        let err = '';
        const run = (args: string[]) =>
          main(
            ['ledger', 'check', '--database', tdb.url, '--data-dir', dataDir, ...args],
            (s) => (out += s),
            (s) => (err += s),
          );
        if (!tdb.shared) {
          // In-memory PGlite: another store is another database; the command still runs and checks it.
          assert.equal(await run([]), 0, err);
          return;
        }
        assert.equal(await run([]), 0, err);
        assert.match(out, /^2 entries, 4 lines$/m);
        assert.match(out, /platform_clearing:CNY\s+722\.48\s+\(Dr\)/);
        assert.match(out, new RegExp(`merchant_payable:${merchantId}:CNY\\s+-722\\.48\\s+\\(Cr\\)`));
        assert.match(out, /ledger OK/);
        out = '';
        assert.equal(await run(['--json']), 0, err);
        const json = JSON.parse(out);
        assert.equal(json.ok, true);
        assert.deepEqual(
          json.balances.find((b: { account: string }) => b.account === 'platform_clearing:CNY'),
          { account: 'platform_clearing:CNY', currency: 'CNY', balance: '722.48', balance_minor: '72248' },
        );

        await store.db
          .updateTable('payments')
          .set({ refunded_minor: 10n })
          .where('id', '=', 'PAY_BEFORELEDGER')
          .execute();
        out = '';
        assert.equal(await run([]), 1, 'problems exit 1');
        assert.match(out, /ledger NOT OK: 1 problem\(s\)/);
        await store.db
          .updateTable('payments')
          .set({ refunded_minor: 0n })
          .where('id', '=', 'PAY_BEFORELEDGER')
          .execute();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}

test('upgrading a database from migration 002: payments already paid get their ledger entry (SQLite)', async () => {
  const { Kysely, Migrator, SqliteDialect } = await import('kysely');
  const SQLite = (await import('better-sqlite3')).default;
  const m001 = await import('../../src/store/migrations/001-initial.ts');
  const m002 = await import('../../src/store/migrations/002-wallets-and-checkout.ts');
  const dir = mkdtempSync(join(tmpdir(), 'umf-upgrade-'));
  const file = join(dir, 'gateway.db');
  try {
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(file) }) });
    const migrator = new Migrator({
      db: old,
      provider: { getMigrations: async () => ({ '001-initial': m001, '002-wallets-and-checkout': m002 }) },
    });
    const { error } = await migrator.migrateToLatest();
    assert.equal(error, undefined, 'migrated to 002');
    await old.destroy();
    // The pre-ledger data, written with raw SQL against 002's schema.
    const raw = new SQLite(file);
    raw
      .prepare(
        'INSERT INTO merchants (id, name, client_id, client_secret_hash, encryption, accepted_currencies, ' +
          "status, created_at) VALUES ('M_OLD', 'Old Shop', 'old-client', 'x', 'oaep', NULL, 'ACTIVE', 0)",
      )
      .run();
    const insert = raw.prepare(
      'INSERT INTO payments (id, merchant_id, mer_reference_id, mer_date, state, stage, payment_method, ' +
        'interface_type, business_type, currency, amount_minor, total_cny_minor, exchange_rate, order_json, ' +
        'payer_json, notify_url, expire_at, created_at, updated_at, version, execute_success_at, ' +
        'sms_sent_count, verify_failures) ' +
        "VALUES (?, 'M_OLD', ?, '20260101', ?, 'done', 'WECHAT_SCAN', 'SERVER_TO_SERVER', 'B2C', 'USD', 1000, ?, " +
        "'7.1234', '{}', '{}', 'http://127.0.0.1:9/n', 0, 0, 0, 1, 0, 0, 0)",
    );
    insert.run('PAY_OLDPAID', 'R1', 'TRADE_SUCCESS', 7123);
    insert.run('PAY_OLDFAILED', 'R2', 'TRADE_FAIL', 7123);
    raw.close();

    const store = await openStore({ url: `sqlite:${file}` });
    try {
      const result = await checkLedger(store.db);
      assert.deepEqual(result.problems, [], 'the upgraded ledger agrees with the payments');
      assert.equal(result.entries, 1, 'one entry: the paid payment');
      assert.equal(await accountBalance(store.db, ACCOUNTS.merchantPayable('M_OLD', 'CNY')), -7123n);
      const row = await store.db
        .selectFrom('payments')
        .select(['refunded_minor', 'refunded_cny_minor'])
        .where('id', '=', 'PAY_OLDPAID')
        .executeTakeFirstOrThrow();
      assert.equal(Number(row.refunded_minor), 0, 'refunded_minor defaults to 0');
      assert.equal(Number(row.refunded_cny_minor), 0);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
