/**
 * Enterprise qualification as a merchant integration drives it (reference 4.1-4.2), on SQLite and
 * PostgreSQL: the reference's request (wrapped, unwrapped, both contact spellings, numbers, lower
 * case), the answer's shape against its schema, the unique external id (409), merchant isolation and
 * unknown ids (404), validation errors naming the field, the unified social credit code's check
 * character, idempotent replays, GET after the operator's approval and rejection, and two racing
 * reviews of which exactly one is recorded.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  startHarness,
  expectError,
  expectOk,
  type ApiResponse,
  type Harness,
  type TestMerchant,
} from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { assertAnswer } from '../helpers/schema-coverage.ts';
import { EnterpriseAnswer } from '../../src/enterprises/enterprise-schemas.ts';
import { isUscc, usccCheckCharacter } from '../../src/enterprises/enterprise-request.ts';
import { DomainError } from '../../src/errors/domain-error.ts';

/** The reference 4.1 sample, as it is. */
const REFERENCE_BODY = `{ 
  "enterprise_qualification": {
    "external_enterprise_id": "10000125",
    "enterprise_name": "华西电子商务有限公司",
    "enterprise_phone": "13241359611",
    "enterprise_email": "fengjian@umpay.com",
    "enterprise_contacts": "FengJian1",
    "busi_type": "GFHG",
    "enterprise_code": "90000331"
  }
} `;

let counter = 0;
const externalId = () => `ENT-${process.pid}-${++counter}`;

function company(overrides: Record<string, unknown> = {}): { enterprise_qualification: Record<string, unknown> } {
  return {
    enterprise_qualification: {
      external_enterprise_id: externalId(),
      enterprise_name: '测试贸易有限公司',
      enterprise_phone: '010-62345678',
      enterprise_email: 'finance@trade.example',
      enterprise_contacts: 'Li Lei',
      busi_type: 'SJHG',
      enterprise_code: '91350100M000100Y43',
      ...overrides,
    },
  };
}

test('the check character of a unified social credit code (GB 32100-2015)', () => {
  for (const code of ['91350100M000100Y43', '9144030071526726XG', '91330100716105852F', '914403001922038216'])
    assert.ok(isUscc(code), `${code} is a unified social credit code`);
  assert.equal(usccCheckCharacter('91350100M000100Y4'), '3');
  assert.ok(!isUscc('91350100M000100Y44'), 'a wrong check character');
  assert.ok(!isUscc('91350100M000100I43'), 'I is not a code character');
  assert.ok(!isUscc('90000331'), 'the reference sample is not one');
  // A check value of 31 is written 0 (the weights are 3^i mod 31).
  let zero: string | undefined;
  for (let n = 0; n < 1000 && zero === undefined; n++) {
    const first17 = `9111000071${String(n).padStart(7, '0')}`;
    if (usccCheckCharacter(first17) === '0') zero = first17 + '0';
  }
  assert.ok(zero && isUscc(zero), `a code with check character 0: ${zero}`);
});

for (const kind of testDatabaseUrls()) {
  describe(`enterprise qualification (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;
    let otherShop: TestMerchant;

    const ok = (res: ApiResponse, status = 200): any => {
      expectOk(h, res, status);
      assertAnswer(EnterpriseAnswer, res.json, `EnterpriseAnswer (${res.text.slice(0, 80)}...)`);
      return res.json.enterprise_qualification;
    };
    const fails = (res: ApiResponse, status: number, code: string, mentions?: string): void => {
      expectError(h, res, status, code);
      if (mentions !== undefined)
        assert.ok(
          String(res.json.meta.ret_msg).includes(mentions),
          `ret_msg names ${mentions}: ${res.json.meta.ret_msg}`,
        );
    };
    const register = (body: unknown, merchant = shop, headers?: Record<string, string>) =>
      h.call(merchant, 'POST', '/enterprise_qualification', body, headers);
    const get = (id: string, merchant = shop) => h.call(merchant, 'GET', `/enterprise_qualification/${id}`);

    before(async () => {
      h = await startHarness(kind, { workers: false });
      shop = await h.merchant({ name: 'B2B Shop' });
      otherShop = await h.merchant({ name: 'Other Shop' });
    });
    after(async () => h?.close());

    test("the reference's sample: a DISABLE company, answered in the sample's shape with a self link", async () => {
      const res = await register(REFERENCE_BODY);
      const eq = ok(res, 201);
      assert.match(eq.id, /^EQ_[A-Z2-7]{21}$/);
      assert.deepEqual(
        { ...eq, id: undefined, created_time: undefined },
        {
          id: undefined,
          external_enterprise_id: '10000125',
          enterprise_name: '华西电子商务有限公司',
          enterprise_phone: '13241359611',
          enterprise_email: 'fengjian@umpay.com',
          enterprise_contacts: 'FengJian1',
          busi_type: 'GFHG',
          enterprise_code: '90000331',
          enterprise_status: 'DISABLE',
          created_time: undefined,
        },
      );
      assert.deepEqual(res.json.links, [
        { ref: 'self', rel: 'self', method: 'GET', href: `${h.api}/enterprise_qualification/${eq.id}` },
      ]);
      assert.equal(Object.keys(res.json)[0], 'meta');

      const queried = await h.call(shop, 'GET', res.json.links[0].href);
      const again = ok(queried);
      assert.deepEqual(again, eq);
      assert.equal(again.rank, undefined, 'no rank before approval');
    });

    test('unwrapped members, objs.md spelling enterprise_contact, numbers and lower case are accepted', async () => {
      const id = externalId();
      const eq = ok(
        await register({
          external_enterprise_id: id,
          enterprise_name: '  北京贸易有限公司 ',
          enterprise_contact: 'Han Meimei',
          enterprise_phone: 13800138000,
          busi_type: 'gfhg',
          enterprise_code: '91330100716105852f',
          sub_mer_id: 'ignored',
        }),
        201,
      );
      assert.equal(eq.external_enterprise_id, id);
      assert.equal(eq.enterprise_name, '北京贸易有限公司');
      assert.equal(eq.enterprise_contacts, 'Han Meimei', 'answered as enterprise_contacts');
      assert.equal(eq.enterprise_contact, undefined);
      assert.equal(eq.enterprise_phone, '13800138000');
      assert.equal(eq.busi_type, 'GFHG');
      assert.equal(eq.enterprise_code, '91330100716105852F');

      const wrapped = ok(await register(company({ enterprise_contacts: undefined, enterprise_contact: 'Wei' })), 201);
      assert.equal(wrapped.enterprise_contacts, 'Wei');
      const both = ok(await register(company({ enterprise_contacts: 'First', enterprise_contact: 'Second' })), 201);
      assert.equal(both.enterprise_contacts, 'First', 'enterprise_contacts wins');
      const bare = ok(await register({ external_enterprise_id: externalId(), enterprise_name: 'Bare Ltd' }), 201);
      assert.deepEqual(Object.keys(bare), [
        'id',
        'external_enterprise_id',
        'enterprise_name',
        'enterprise_status',
        'created_time',
      ]);
    });

    test('a second company with the same external_enterprise_id is 409; another merchant may use it', async () => {
      const body = company();
      const first = ok(await register(body), 201);
      fails(await register(body), 409, '00060781', first.id);
      fails(
        await register(company({ external_enterprise_id: body.enterprise_qualification.external_enterprise_id })),
        409,
        '00060781',
      );
      const theirs = ok(await register(body, otherShop), 201);
      assert.notEqual(theirs.id, first.id);
    });

    test("another merchant's company and unknown ids are 404 00060780", async () => {
      const mine = ok(await register(company()), 201);
      fails(await get(mine.id, otherShop), 404, '00060780');
      fails(await get('EQ_AAAAAAAAAAAAAAAAAAAAA'), 404, '00060780');
      fails(await get('not-an-id'), 404, '00060780');
      fails(await get('PAY_AAAAAAAAAAAAAAAAAAAAA'), 404, '00060780');
    });

    test('concurrent registrations of one external id: one company, the others 409', async () => {
      const body = JSON.stringify(company());
      const answers = await Promise.all([1, 2, 3, 4].map(() => register(body)));
      const created = answers.filter((r) => r.status === 201);
      assert.equal(created.length, 1, answers.map((r) => r.text).join('\n'));
      for (const r of answers.filter((a) => a.status !== 201)) fails(r, 409, '00060781');
    });

    test('validation errors name the field', async () => {
      const cases: Array<[unknown, number, string, string]> = [
        [
          company({ external_enterprise_id: undefined }),
          400,
          '00060700',
          'enterprise_qualification.external_enterprise_id is required',
        ],
        [company({ enterprise_name: '' }), 400, '00060700', 'enterprise_qualification.enterprise_name is required'],
        [{ enterprise_name: 'X' }, 400, '00060700', 'external_enterprise_id is required'],
        [
          company({ external_enterprise_id: 'has space' }),
          400,
          '00060700',
          'enterprise_qualification.external_enterprise_id',
        ],
        [company({ external_enterprise_id: 'x'.repeat(65) }), 400, '00060700', 'external_enterprise_id'],
        [company({ enterprise_name: 'n'.repeat(129) }), 400, '00060700', 'enterprise_qualification.enterprise_name'],
        [
          company({ busi_type: 'B2B' }),
          400,
          '00060700',
          'enterprise_qualification.busi_type must be one of SJHG, GFHG',
        ],
        [company({ enterprise_email: 'not-an-email' }), 400, '00060700', 'enterprise_qualification.enterprise_email'],
        [company({ enterprise_phone: 'call me' }), 400, '00060720', 'enterprise_qualification.enterprise_phone'],
        [
          company({ enterprise_phone: '123' }),
          400,
          '00060720',
          'enterprise_qualification.enterprise_phone has 3 digits',
        ],
        [
          company({ enterprise_contacts: { name: 'x' } }),
          400,
          '00060700',
          'enterprise_qualification.enterprise_contacts',
        ],
        [
          company({ enterprise_code: '91350100M000100Y44' }),
          400,
          '00060700',
          'enterprise_qualification.enterprise_code is not a unified social credit code: ' +
            'its check character (the 18th) is 4, the first 17 characters give 3',
        ],
        [company({ enterprise_code: '91350100M000100I43' }), 400, '00060700', 'character 16 ("I")'],
        [company({ enterprise_code: '9135_0100' }), 400, '00060700', 'enterprise_qualification.enterprise_code'],
        [company({ enterprise_code: 'A'.repeat(33) }), 400, '00060700', 'enterprise_qualification.enterprise_code'],
        ['[1,2]', 400, '00060701', ''],
        ['{"enterprise_qualification":', 400, '00060701', ''],
      ];
      for (const [body, status, code, mentions] of cases) fails(await register(body), status, code, mentions);
    });

    test('an Idempotency-Key replays the answer byte for byte; the same key with another body is 409', async () => {
      const body = JSON.stringify(company());
      const key = { 'idempotency-key': `ent-${externalId()}` };
      const first = await register(body, shop, key);
      ok(first, 201);
      const replay = await register(body, shop, key);
      assert.equal(replay.status, 201);
      assert.equal(replay.text, first.text);
      fails(await register(JSON.stringify(company()), shop, key), 409, '00060742');
    });

    test('GET after approval: ENABLE, rank; after rejection: DISABLE, reason; approval after a rejection', async () => {
      const service = h.gateway.context.services.enterprises;
      const a = ok(await register(company()), 201);
      await service.approve(a.id);
      const approved = ok(await get(a.id));
      assert.equal(approved.enterprise_status, 'ENABLE');
      assert.equal(approved.rank, 'A');
      assert.match(approved.reviewed_time, /\+08:00$/);

      const b = ok(await register(company()), 201);
      await service.reject(b.id, 'The business licence is unreadable');
      const rejected = ok(await get(b.id));
      assert.equal(rejected.enterprise_status, 'DISABLE');
      assert.equal(rejected.review_reason, 'The business licence is unreadable');
      assert.equal(rejected.rank, undefined);

      await service.reject(b.id, 'Still unreadable');
      assert.equal(ok(await get(b.id)).review_reason, 'Still unreadable', 'rejected again');
      await service.approve(b.id, 'OTHERS');
      const later = ok(await get(b.id));
      assert.equal(later.enterprise_status, 'ENABLE');
      assert.equal(later.rank, 'OTHERS');
      assert.equal(later.review_reason, undefined);

      // An ENABLE company is not reviewed again.
      for (const review of [() => service.approve(b.id, 'A'), () => service.reject(b.id, 'too late')])
        await assert.rejects(
          review,
          (e: unknown) => e instanceof DomainError && e.reason === 'enterprise_already_enabled',
        );
      assert.equal(ok(await get(b.id)).rank, 'OTHERS');
      await assert.rejects(
        () => service.approve('EQ_AAAAAAAAAAAAAAAAAAAAA'),
        (e: unknown) => e instanceof DomainError && e.reason === 'enterprise_not_found',
      );
    });

    test('the payments check: enabledOf refuses an unknown and a DISABLE company', async () => {
      const service = h.gateway.context.services.enterprises;
      const eq = ok(await register(company()), 201);
      const reasonOf = (p: Promise<unknown>) =>
        p.then(
          () => 'ok',
          (e: DomainError) => e.reason,
        );
      assert.equal(
        await reasonOf(service.enabledOf(shop.id, { externalId: eq.external_enterprise_id })),
        'enterprise_not_enabled',
      );
      assert.equal(await reasonOf(service.enabledOf(otherShop.id, { id: eq.id })), 'enterprise_not_found');
      await service.approve(eq.id);
      assert.equal(await reasonOf(service.enabledOf(shop.id, { id: eq.id })), 'ok');
    });

    test('two racing reviews of what both reviewers read: exactly one is recorded', async () => {
      const { store, repositories, services } = h.gateway.context;
      const reviews = {
        approve: { decision: 'approve', rank: 'UNKNOWN' },
        reject: { decision: 'reject', reason: 'papers missing' },
      } as const;
      for (const pair of [
        ['approve', 'approve'],
        ['approve', 'reject'],
        ['reject', 'approve'],
        ['reject', 'reject'],
      ] as const) {
        const eq = ok(await register(company()), 201);
        const seen = (await repositories.enterprises.byId(eq.id))!;
        // Both reviewers decided on the same version of the company; the clock stands still.
        const now = seen.updated_at;
        const outcomes = await Promise.all(
          pair.map((d) =>
            store.write((trx) =>
              repositories.enterprises.review(trx, eq.id, reviews[d], now, { updatedAt: seen.updated_at }),
            ),
          ),
        );
        const won = outcomes.filter((o) => o !== undefined);
        assert.equal(won.length, 1, `${pair.join('/')}: ${JSON.stringify(outcomes)}`);
        const stored = (await repositories.enterprises.byId(eq.id))!;
        assert.equal(stored.status, won[0]!.status);
        assert.equal(stored.review_reason, won[0]!.review_reason);
        assert.ok(stored.updated_at > seen.updated_at, 'the version moved on a clock that stands still');
      }

      // Through the service: two approvals at once, one wins, the other is told the company is ENABLE.
      for (let round = 0; round < 3; round++) {
        const eq = ok(await register(company()), 201);
        const outcomes = await Promise.allSettled([
          services.enterprises.approve(eq.id, 'A'),
          services.enterprises.approve(eq.id, 'OTHERS'),
        ]);
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        assert.equal(won.length, 1, JSON.stringify(outcomes));
        const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
        assert.ok(
          lost.reason instanceof DomainError && lost.reason.reason === 'enterprise_already_enabled',
          String(lost.reason),
        );
        const winner = (won[0] as PromiseFulfilledResult<{ rank: string | null }>).value;
        assert.equal(ok(await get(eq.id)).rank, winner.rank);
      }
    });

    test('a review that lost to a rejection it did not see is refused (enterprise_review_conflict)', async () => {
      const { repositories, services, store } = h.gateway.context;
      const eq = ok(await register(company()), 201);
      const seen = (await repositories.enterprises.byId(eq.id))!;
      await services.enterprises.reject(eq.id, 'first reviewer: no');
      // The second reviewer read the company before the rejection.
      const late = await store.write((trx) =>
        repositories.enterprises.review(trx, eq.id, { decision: 'approve', rank: 'A' }, Date.now(), {
          updatedAt: seen.updated_at,
        }),
      );
      assert.equal(late, undefined);
      await assert.rejects(
        () => services.enterprises.approve(eq.id, 'A', { seenUpdatedAt: seen.updated_at }),
        (e: unknown) =>
          e instanceof DomainError &&
          e.reason === 'enterprise_review_conflict' &&
          e.message.includes('rejected (first reviewer: no)'),
      );
      assert.equal(ok(await get(eq.id)).enterprise_status, 'DISABLE');
    });
  });
}
