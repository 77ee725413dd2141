/**
 * Malformed input of every kind gets a documented return code, never a 5xx: random JSON bodies
 * (fast-check), shaped like the real requests with fields replaced by anything JSON can hold, sent
 * signed to refunds and customs declarations of a paid payment, and random query strings to the
 * report endpoints (transactions, reconciliation, customs list). Every answer must be signed, carry
 * a code of the catalogue with its documented HTTP status, and nothing may be created by a request
 * that was refused. On SQLite and PostgreSQL.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { RET_CODES } from '../../src/errors/catalogue.ts';
import { startHarness, type ApiResponse, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { customsPayment, declarationBody } from '../helpers/customs.ts';
import { refundBody } from '../helpers/refunds.ts';
import { verifySha256WithRsa } from '../../src/crypto/rsa-signature.ts';

const RUNS = Number(process.env['UMF_PROPERTY_RUNS'] ?? 40);
const STATUS_OF = new Map(RET_CODES.map((e) => [e.code, e.http]));

/** Any JSON value, including deep and odd ones. */
const anyJson = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1e308,
    0.1,
    '',
    ' ',
    'TRUE',
    '1.13',
    '-5',
    '１２',
    '1e3',
    '0x10',
    '20261301',
    'NB',
    'PAY_X',
  ),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A valid body with some of its fields (at any depth) replaced, dropped or renamed. */
function mutate(base: unknown): fc.Arbitrary<unknown> {
  const paths: string[][] = [];
  const walk = (v: unknown, path: string[]): void => {
    if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
        paths.push([...path, k]);
        walk(child, [...path, k]);
      }
    }
  };
  walk(base, []);
  const edit = fc.record({
    path: fc.constantFrom(...paths),
    op: fc.constantFrom('replace', 'drop', 'rename'),
    value: anyJson,
  });
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    const copy = structuredClone(base) as Record<string, unknown>;
    for (const { path, op, value } of edits) {
      let node: any = copy;
      for (const key of path.slice(0, -1)) {
        if (!node || typeof node !== 'object') break;
        node = node[key];
      }
      if (!node || typeof node !== 'object') continue;
      const last = path.at(-1)!;
      if (op === 'replace') node[last] = value;
      else if (op === 'drop') delete node[last];
      else {
        node[`${last}_x`] = node[last];
        delete node[last];
      }
    }
    return copy;
  });
}

function assertDocumented(res: ApiResponse, h: Harness, what: string): void {
  assert.ok(res.status < 500, `${what}: no 5xx, got ${res.status} ${res.text.slice(0, 300)}`);
  const code = res.json?.meta?.ret_code as string | undefined;
  assert.ok(code && STATUS_OF.has(code), `${what}: a catalogue code, got ${res.text.slice(0, 300)}`);
  if (code === '0000')
    assert.ok(res.status === 200 || res.status === 201, `${what}: success is 200 or 201 (created), got ${res.status}`);
  else assert.equal(res.status, STATUS_OF.get(code), `${what}: the documented status of ${code}`);
  assert.ok(h.verifies(res.text), `${what}: the answer is signed`);
}

for (const kind of testDatabaseUrls()) {
  describe(`malformed input never gets a 5xx (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;
    let paymentId: string;
    let customsSub: string;

    before(async () => {
      h = await startHarness(kind, { workers: false });
      shop = await h.merchant({ name: 'Fuzz Shop' });
      const paid = await customsPayment(h, shop, 'http://127.0.0.1:9/customs');
      paymentId = paid.id;
      customsSub = paid.customsSub;
    });
    after(async () => {
      await h?.close();
    });

    test(`refund requests in all three shapes, mutated (${RUNS} runs)`, { timeout: 300_000 }, async () => {
      const shapes = (['order', 'orders', 'refund_info'] as const).map((shape) =>
        refundBody(shape, { total: '1.00', orgAmount: { total: '100.02', currency: 'USD' } }),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...shapes).chain(mutate), async (body) => {
          const before = await h.gateway.context.db
            .selectFrom('refunds')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow();
          const res = await h.call(shop, 'POST', `/payments/payment/${paymentId}/refund`, body);
          assertDocumented(res, h, `refund ${JSON.stringify(body).slice(0, 200)}`);
          const after = await h.gateway.context.db
            .selectFrom('refunds')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow();
          if (res.status !== 201) assert.equal(Number(after.n), Number(before.n), 'a refused refund creates nothing');
        }),
        { numRuns: RUNS },
      );
    });

    test(`customs declarations, mutated (${RUNS} runs)`, { timeout: 300_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(mutate(declarationBody(customsSub)), async (body) => {
          const count = () =>
            h.gateway.context.db
              .selectFrom('customs_declarations')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow();
          const before = await count();
          const res = await h.call(shop, 'POST', `/payments/payment/${paymentId}/apply_to_customs`, body);
          assertDocumented(res, h, `customs ${JSON.stringify(body).slice(0, 200)}`);
          const after = await count();
          if (res.status !== 201)
            assert.equal(Number(after.n), Number(before.n), 'a refused declaration creates nothing');
        }),
        { numRuns: RUNS },
      );
    });

    test(`report queries with random parameters (${RUNS} runs)`, { timeout: 300_000 }, async () => {
      const param = fc.oneof(
        fc.constantFrom(
          '20261122',
          '2026112',
          '20260230',
          '99999999',
          '',
          '0',
          '-1',
          '1e3',
          '500',
          '5001',
          '%00',
          '%E4%B8%AD',
          'a'.repeat(300),
        ),
        fc.string({ maxLength: 12 }).map(encodeURIComponent),
      );
      const path = fc.constantFrom(
        '/payments/transactions',
        '/payments/transactions_download',
        '/payments/reconciliation_statement',
        '/payments/reconciliation_statement_download',
        '/payments/customs_download',
      );
      const names = fc.constantFrom('mer_date', 'settle_date', 'customs_date', 'page_number', 'page_size', 'mer_date');
      await fc.assert(
        fc.asyncProperty(path, fc.array(fc.tuple(names, param), { maxLength: 4 }), async (p, params) => {
          const query = params.map(([k, v]) => `${k}=${v}`).join('&');
          const res = await h.call(shop, 'GET', `${p}${query ? `?${query}` : ''}`);
          if (res.status === 200 && !res.headers.get('content-type')?.includes('json')) {
            assert.ok(res.headers.get('signature'), `${p}?${query}: a file carries its Signature`);
            assert.ok(
              verifySha256WithRsa(
                h.platformCert.publicKey,
                Buffer.from(res.text, 'utf8'),
                res.headers.get('signature')!,
              ),
              `${p}?${query}: the file verifies with the platform certificate`,
            );
            return;
          }
          assertDocumented(res, h, `${p}?${query}`);
        }),
        { numRuns: RUNS },
      );
    });
  });
}
