/**
 * The console's payments list (payments/payment-search.ts over PaymentRepository.search), on SQLite
 * and PostgreSQL, with 20,000 payments seeded over 30 days (test/helpers/seed-payments.ts):
 * - every filter combination the console offers, with and without a cursor, and the searches (payment
 *   id, mer_reference_id, last four digits), are index seeks in the query plan: no scan of payments
 *   and, for the list's filters, no sort of what matched;
 * - each combination finds exactly the payments it names, newest first, across pages;
 * - the cursor is stable: payments created while someone pages do not move the later pages, ties of
 *   one millisecond are neither repeated nor skipped; a made-up cursor is refused;
 * - the CSV export: RFC 4180 quoting, money as decimals, China time, and 20,000 rows read as a
 *   stream in pages of at most 1,000, each page asked for only when the reader gets to it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { openStore, type Store } from '../../src/store/database.ts';
import { DomainError } from '../../src/errors/domain-error.ts';
import { PaymentRepository, type PaymentSearch } from '../../src/payments/payment-repository.ts';
import type { PaymentRecord } from '../../src/payments/payment-record.ts';
import { CSV_COLUMNS, PaymentSearchService, csvLine, type PaymentFilters } from '../../src/payments/payment-search.ts';
import { up as migration012 } from '../../src/store/migrations/012-payment-search.ts';
import { testDatabaseUrls, type TestDatabase } from '../helpers/test-databases.ts';
import { makePayments, mulberry32, seedMerchants, seedPayments } from '../helpers/seed-payments.ts';

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2026, 10, 30, 4);
const MERCHANTS = ['MS1', 'MS2', 'MS3', 'MS4', 'MS5'];
const COUNT = 20_000;
const RANGE = { createdFrom: NOW - 10 * DAY_MS, createdBefore: NOW - 3 * DAY_MS };

/** Each filter of the console, alone; combinations are every subset of these. */
const FILTERS: Record<string, PaymentFilters> = {
  merchant: { merchantId: 'MS2' },
  state: { states: ['TRADE_FAIL'] },
  method: { method: 'WECHAT_SCAN' },
  currency: { currency: 'EUR' },
  range: RANGE,
};

function combinations(): Array<[string, PaymentFilters]> {
  const names = Object.keys(FILTERS);
  const out: Array<[string, PaymentFilters]> = [];
  for (let mask = 0; mask < 1 << names.length; mask++) {
    const chosen = names.filter((_, i) => mask & (1 << i));
    out.push([chosen.join('+') || 'none', Object.assign({}, ...chosen.map((n) => FILTERS[n]))]);
    // Several states: the same combination with two of them.
    if (chosen.includes('state'))
      out.push([
        chosen.join('+').replace('state', 'states'),
        { ...Object.assign({}, ...chosen.map((n) => FILTERS[n])), states: ['TRADE_FAIL', 'TRADE_CANCEL'] },
      ]);
  }
  return out;
}

function matches(p: PaymentRecord, f: PaymentFilters): boolean {
  if (f.merchantId && p.merchant_id !== f.merchantId) return false;
  if (f.states?.length && !f.states.includes(p.state)) return false;
  if (f.method && p.payment_method !== f.method) return false;
  if (f.currency && p.currency !== f.currency) return false;
  if (f.createdFrom !== undefined && p.created_at < f.createdFrom) return false;
  if (f.createdBefore !== undefined && p.created_at >= f.createdBefore) return false;
  if (f.text && p.id !== f.text && p.mer_reference_id !== f.text && p.card_last4 !== f.text) return false;
  return true;
}

const newestFirst = (a: PaymentRecord, b: PaymentRecord) =>
  b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** A repository that counts what search is asked for and gives back. */
function countingRepository(inner: PaymentRepository) {
  const calls: Array<{ limit: number; rows: number }> = [];
  const repository = Object.create(inner) as PaymentRepository;
  repository.search = async (filter: PaymentSearch) => {
    const rows = await inner.search(filter);
    calls.push({ limit: filter.limit, rows: rows.length });
    return rows;
  };
  return { repository, calls };
}

/** RFC 4180 parsing (for the round trip of the export). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

test('csvLine quotes what RFC 4180 asks and keeps formulas as text', () => {
  assert.equal(
    csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\rhere', '']),
    'plain,"a,b","say ""hi""","two\nlines","cr\rhere",\r\n',
  );
  assert.equal(csvLine(['-A1', '=SUM(A1)', '+1', '@x', '12.50']), "'-A1,'=SUM(A1),'+1,'@x,12.50\r\n");
  assert.deepEqual(parseCsv(csvLine(['a,b', 'say "hi"', 'two\r\nlines'])), [['a,b', 'say "hi"', 'two\r\nlines']]);
});

for (const kind of testDatabaseUrls()) {
  describe(`payment search at scale (${kind.name})`, () => {
    let tdb: TestDatabase;
    let store: Store;
    let repository: PaymentRepository;
    let all: PaymentRecord[];

    before(async () => {
      tdb = await kind.open();
      store = await openStore({ url: tdb.url });
      repository = new PaymentRepository(store.db);
      await seedMerchants(store, MERCHANTS, NOW);
      await seedPayments(store, { now: NOW, days: 30, merchantIds: MERCHANTS, seed: 7 }, COUNT, 5_000);
      // PostgreSQL plans from statistics (autovacuum's ANALYZE after a load); SQLite has none.
      if (store.dialect === 'postgres') await repository.analyze();
      all = (await repository.search({ limit: COUNT + 1 })).sort(newestFirst);
      assert.equal(all.length, COUNT);
    });
    after(async () => {
      await store?.close();
      await tdb?.drop();
    });

    test('migration 012 runs again without harm (idempotent)', async () => {
      await migration012(store.db as unknown as Kysely<unknown>);
      await migration012(store.db as unknown as Kysely<unknown>);
      const plans = await repository.searchPlans({ currency: 'EUR', limit: 5 }, store.dialect);
      assert.match(plans.join(), /payments_by_currency_created/);
    });

    test('every filter combination, with and without a cursor, and every search is an index seek', async () => {
      const cursor = { before: { createdAt: NOW - 5 * DAY_MS, id: 'P' } };
      const card = all.find((p) => p.card_last4)!;
      const searches: Array<[string, PaymentFilters]> = [
        ['by id', { text: all[100]!.id }],
        ['by reference', { text: all[200]!.mer_reference_id }],
        ['by last four', { text: card.card_last4! }],
        [
          'by last four, merchant and states',
          { text: card.card_last4!, merchantId: 'MS1', states: ['TRADE_SUCCESS', 'TRADE_FAIL'] },
        ],
      ];
      const cases = [
        ...combinations().flatMap(([name, f]): Array<[string, PaymentSearch, boolean]> => [
          [name, { ...f, limit: 51 }, true],
          [`${name} + cursor`, { ...f, ...cursor, limit: 51 }, true],
        ]),
        ...searches.map(([name, f]): [string, PaymentSearch, boolean] => [name, { ...f, limit: 51 }, false]),
      ];
      assert.ok(cases.length > 90);
      for (const [name, search, inOrder] of cases) {
        const plans = await repository.searchPlans(search, store.dialect);
        assert.ok(plans.length >= 1, name);
        for (const plan of plans) {
          const why = `${name}:\n${plan}`;
          if (store.dialect === 'sqlite') {
            if (name === 'none') assert.match(plan, /^SCAN payments USING INDEX payments_by_created$/, why);
            else assert.match(plan, /SEARCH payments USING (COVERING )?INDEX \w+ \(/, why);
            assert.doesNotMatch(plan, /SCAN payments(?! USING INDEX payments_by_created$)/m, why);
            if (inOrder) assert.doesNotMatch(plan, /TEMP B-TREE/, why);
          } else {
            assert.doesNotMatch(plan, /Seq Scan/, why);
            assert.match(plan, /Index Scan|Index Only Scan|Bitmap Index Scan/, why);
            if (inOrder && name !== 'none') assert.match(plan, /Index Cond/, why);
          }
        }
      }
    });

    test('each combination finds what it names, newest first, page after page', async () => {
      const service = new PaymentSearchService({ payments: repository });
      for (const [name, filters] of combinations()) {
        const expected = all.filter((p) => matches(p, filters));
        const seen: string[] = [];
        let cursor: string | undefined;
        // Three pages of 40 (or all there is).
        for (let n = 0; n < 3; n++) {
          const page = await service.page(filters, { limit: 40, ...(cursor ? { cursor } : {}) });
          seen.push(...page.payments.map((p) => p.id));
          if (!page.nextCursor) break;
          cursor = page.nextCursor;
        }
        assert.deepEqual(
          seen,
          expected.slice(0, 120).map((p) => p.id),
          `${name}: ${expected.length} match`,
        );
      }
      const target = all[1234]!;
      for (const text of [target.id, target.mer_reference_id]) {
        const page = await service.page({ text });
        assert.deepEqual(
          page.payments.map((p) => p.id),
          [target.id],
        );
        assert.equal(page.nextCursor, null);
      }
      const card = all.find((p) => p.card_last4)!.card_last4!;
      const byCard = await service.page({ text: card }, { limit: 500 });
      const expectedByCard = all.filter((p) => p.card_last4 === card);
      assert.ok(expectedByCard.length >= 1);
      assert.deepEqual(
        byCard.payments.map((p) => p.id),
        expectedByCard.map((p) => p.id),
      );
      assert.deepEqual(await service.page({ text: 'ORD-nothing' }), { payments: [], nextCursor: null });
      const mine = await service.page({
        text: target.mer_reference_id,
        merchantId: target.merchant_id === 'MS1' ? 'MS2' : 'MS1',
      });
      assert.equal(mine.payments.length, 0, "another merchant's reference is not found under this merchant");
    });

    test('the cursor is stable while payments are created, ties of one millisecond included', async () => {
      const service = new PaymentSearchService({ payments: repository });
      const filters: PaymentFilters = { states: ['TRADE_CANCEL'] };
      const expected = all.filter((p) => matches(p, filters)).map((p) => p.id);
      const first = await service.page(filters, { limit: 25 });
      // New payments, newer than every page and of the filtered state, arrive while the operator pages.
      const random = mulberry32(99);
      const fresh = makePayments({ now: NOW + DAY_MS, days: 0.5, merchantIds: MERCHANTS }, COUNT, 50, random).map(
        (p) => ({ ...p, state: 'TRADE_CANCEL' as const }),
      );
      await store.write((trx) => repository.insertMany(trx, fresh));
      const seen = first.payments.map((p) => p.id);
      let cursor = first.nextCursor;
      while (cursor) {
        const page = await service.page(filters, { limit: 25, cursor });
        seen.push(...page.payments.map((p) => p.id));
        cursor = page.nextCursor;
      }
      assert.deepEqual(seen, expected, 'every page after the first as it was, nothing twice, nothing skipped');
      const reopened = await service.page(filters, { limit: 25 });
      assert.ok(
        reopened.payments.every((p) => p.created_at > NOW),
        'the first page again shows the new ones',
      );

      // Seven payments in one millisecond, paged by two: ordered by id, each once.
      const tie = NOW + 2 * DAY_MS;
      const tied = makePayments({ now: tie, days: 0, merchantIds: ['MS3'] }, COUNT + 100, 7, random).map((p) => ({
        ...p,
        currency: 'NOK' as const,
      }));
      await store.write((trx) => repository.insertMany(trx, tied));
      const tiedIds: string[] = [];
      let at: string | undefined;
      do {
        const page = await service.page(
          { currency: 'NOK', merchantId: 'MS3' },
          { limit: 2, ...(at ? { cursor: at } : {}) },
        );
        tiedIds.push(...page.payments.map((p) => p.id));
        at = page.nextCursor ?? undefined;
      } while (at);
      assert.deepEqual(
        tiedIds,
        tied
          .map((p) => p.id)
          .sort()
          .reverse(),
      );

      for (const cursor of ['nonsense', Buffer.from('12:x;drop').toString('base64url'), '']) {
        await assert.rejects(
          service.page(filters, { cursor }),
          (e: unknown) => e instanceof DomainError && e.reason === 'invalid_request',
        );
      }
      await assert.rejects(service.page(filters, { limit: 501 }), DomainError);
      await store.write(async (trx) => {
        for (const p of [...fresh, ...tied]) await trx.deleteFrom('payments').where('id', '=', p.id).execute();
      });
    });

    test('the CSV export: its columns, money as decimals, China time', async () => {
      const service = new PaymentSearchService({ payments: repository });
      const jpy = all.find((p) => p.currency === 'JPY' && p.execute_success_at !== null && p.card_last4)!;
      const lines: string[] = [];
      for await (const line of service.exportCsv({ text: jpy.mer_reference_id })) lines.push(line);
      assert.equal(lines.length, 2);
      assert.ok(lines.every((l) => l.endsWith('\r\n')));
      const [header, row] = parseCsv(lines.join(''));
      assert.deepEqual(header, [...CSV_COLUMNS]);
      const cells = Object.fromEntries(header.map((h, i) => [h, row![i]]));
      assert.equal(cells['payment_id'], jpy.id);
      assert.equal(cells['amount'], jpy.amount_minor.toString(), 'JPY has no minor unit');
      assert.equal(
        cells['total_cny'],
        `${jpy.total_cny_minor / 100n}.${String(jpy.total_cny_minor % 100n).padStart(2, '0')}`,
      );
      assert.equal(cells['refunded'], '0');
      assert.equal(cells['card_last4'], jpy.card_last4);
      assert.match(cells['created_at']!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
      assert.equal(Date.parse(cells['created_at']!), Math.floor(jpy.created_at / 1000) * 1000);
      assert.equal(Date.parse(cells['paid_at']!), Math.floor(jpy.execute_success_at! / 1000) * 1000);
      const usd = all.find((p) => p.currency === 'USD')!;
      let usdRow = '';
      for await (const line of service.exportCsv({ text: usd.id })) usdRow = line;
      assert.equal(
        parseCsv(usdRow)[0]![7],
        `${usd.amount_minor / 100n}.${String(usd.amount_minor % 100n).padStart(2, '0')}`,
      );
    });

    test('the export of 20,000 payments streams: pages of at most 1,000, each asked for when read', async () => {
      const { repository: counting, calls } = countingRepository(repository);
      const service = new PaymentSearchService({ payments: counting });
      const iterator = service.exportCsv({})[Symbol.asyncIterator]();
      const ids: string[] = [];
      let lines = 0;
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        lines++;
        if (lines > 1) ids.push(next.value.slice(0, next.value.indexOf(',')));
        if (lines === 1 + 1500)
          assert.equal(calls.length, 2, 'after 1,500 rows, two pages read: the rest not yet asked for');
      }
      assert.equal(lines, 1 + COUNT);
      assert.deepEqual(
        ids,
        all.map((p) => p.id),
        'every payment once, newest first',
      );
      assert.ok(
        calls.every((c) => c.limit <= 1000 && c.rows <= 1000),
        'no page over 1,000',
      );
      assert.equal(calls.length, COUNT / 1000 + 1, 'twenty full pages and the empty one that ends it');
    });
  });
}
