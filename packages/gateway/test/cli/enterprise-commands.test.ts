/**
 * `umf-gateway enterprise list|show|approve|reject` as an operator runs them (a separate process)
 * beside a running gateway on SQLite and PostgreSQL: text and --json output, filters and pages, the
 * flag values checked (exit 2, the accepted values in the message), the service's refusals (exit 1,
 * with the return code), and the gateway's GET showing each review at once.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startHarness, expectOk, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { runCli } from '../helpers/cli.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/umf-gateway.js', import.meta.url).pathname;

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

test('flag values are checked before anything runs, naming the values accepted', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['enterprise', 'list', '--status', 'pending'], /--status must be one of DISABLE, ENABLE, got "pending"/],
    [['enterprise', 'list', '--limit', '0'], /--limit must be a whole number from 1 to 500/],
    [['enterprise', 'approve', 'EQ_X', '--rank', 'B'], /--rank must be one of A, OTHERS, UNKNOWN, got "B"/],
    [['enterprise', 'reject', 'EQ_X'], /enterprise reject needs --reason TEXT/],
    [['enterprise', 'reject', 'EQ_X', '--reason', 'x'.repeat(501)], /--reason is longer than 500 characters/],
    [['enterprise', 'approve'], /EQ_ID/],
  ];
  for (const [args, message] of cases) {
    const { code, err } = await runCli([...args, '--data-dir', '/nonexistent/umf']);
    assert.equal(code, 2, `${args.join(' ')}: ${err}`);
    assert.match(err, message);
  }
});

for (const kind of testDatabaseUrls()) {
  describe(`umf-gateway enterprise beside a running gateway (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;
    let other: TestMerchant;
    let cli: (...args: string[]) => Promise<Outcome>;
    let shared = true;
    const ids: string[] = [];

    const register = async (merchant: TestMerchant, externalId: string) => {
      const res = await h.call(merchant, 'POST', '/enterprise_qualification', {
        enterprise_qualification: { external_enterprise_id: externalId, enterprise_name: `${externalId} Ltd` },
      });
      expectOk(h, res, 201);
      return res.json.enterprise_qualification.id as string;
    };
    const status = async (id: string) => {
      const res = await h.call(shop, 'GET', `/enterprise_qualification/${id}`);
      expectOk(h, res);
      return res.json.enterprise_qualification;
    };

    before(async () => {
      h = await startHarness(kind, { workers: false });
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        UMF_DATA_DIR: h.dataDir,
        DATABASE_URL: h.gateway.context.store.url,
      };
      shared = !h.gateway.context.store.url.startsWith('pglite:');
      cli = async (...args) => {
        try {
          const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env });
          return { code: 0, stdout, stderr };
        } catch (error) {
          const e = error as { code: number; stdout: string; stderr: string };
          return { code: e.code, stdout: e.stdout, stderr: e.stderr };
        }
      };
      shop = await h.merchant({ name: 'CLI B2B Shop' });
      other = await h.merchant({ name: 'Other B2B Shop' });
      // A second apart, so that the oldest-first order is the order of registration.
      for (const n of [1, 2, 3]) {
        ids.push(await register(shop, `CLI-${n}`));
        h.clock.advance(1000);
      }
      ids.push(await register(other, 'CLI-1'));
    });
    after(() => h.close());

    test('list: oldest first, --json, --merchant, --status, --limit and --after', async (t) => {
      if (!shared) return t.skip('in-memory PGlite cannot be shared with another process');
      const all = await cli('enterprise', 'list', '--json');
      assert.equal(all.code, 0, all.stderr);
      const listed = JSON.parse(all.stdout) as Array<Record<string, unknown>>;
      assert.deepEqual(
        listed.map((e) => e.id),
        ids,
      );
      assert.deepEqual(
        { ...listed[0], created_at: undefined },
        {
          id: ids[0],
          merchant_id: shop.id,
          external_enterprise_id: 'CLI-1',
          enterprise_name: 'CLI-1 Ltd',
          enterprise_phone: null,
          enterprise_email: null,
          enterprise_contacts: null,
          busi_type: null,
          enterprise_code: null,
          status: 'DISABLE',
          rank: null,
          review_reason: null,
          created_at: undefined,
          reviewed_at: null,
        },
      );
      const theirs = JSON.parse((await cli('enterprise', 'list', '--merchant', other.id, '--json')).stdout);
      assert.deepEqual(
        theirs.map((e: { id: string }) => e.id),
        [ids[3]],
      );
      const page = await cli('enterprise', 'list', '--merchant', shop.id, '--limit', '2');
      assert.equal(page.code, 0, page.stderr);
      const lines = page.stdout.trimEnd().split('\n');
      assert.match(lines[0]!, /^COMPANY\s+MERCHANT\s+EXTERNAL_ID\s+STATUS\s+RANK\s+REGISTERED\s+NAME$/);
      assert.ok(lines[1]!.startsWith(ids[0]!) && lines[1]!.includes('CLI-1 Ltd'), lines[1]);
      assert.ok(lines[2]!.startsWith(ids[1]!), lines[2]);
      assert.equal(lines[3], `more: umf-gateway enterprise list --after ${ids[1]} (with the same filters)`);
      const next = JSON.parse(
        (await cli('enterprise', 'list', '--merchant', shop.id, '--after', ids[1]!, '--json')).stdout,
      );
      assert.deepEqual(
        next.map((e: { id: string }) => e.id),
        [ids[2]],
      );
      const missing = await cli('enterprise', 'list', '--after', 'EQ_NOPE');
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /--after: no company EQ_NOPE/);
    });

    test('approve and reject: the gateway answers the new status at once; --status filters', async (t) => {
      if (!shared) return t.skip('in-memory PGlite cannot be shared with another process');
      assert.equal((await status(ids[0]!)).enterprise_status, 'DISABLE', 'read once (nothing cached after)');

      const approved = await cli('enterprise', 'approve', ids[0]!, '--json');
      assert.equal(approved.code, 0, approved.stderr);
      assert.deepEqual((({ id, status: s, rank }) => ({ id, status: s, rank }))(JSON.parse(approved.stdout)), {
        id: ids[0],
        status: 'ENABLE',
        rank: 'A',
      });
      const seen = await status(ids[0]!);
      assert.equal(seen.enterprise_status, 'ENABLE');
      assert.equal(seen.rank, 'A');

      const rejected = await cli('enterprise', 'reject', ids[1]!, '--reason', 'The business licence is unreadable');
      assert.equal(rejected.code, 0, rejected.stderr);
      assert.match(rejected.stdout, new RegExp(`^id: ${ids[1]}$`, 'm'));
      assert.match(rejected.stdout, /^status: DISABLE$/m);
      assert.match(rejected.stdout, /^review_reason: The business licence is unreadable$/m);
      assert.equal((await status(ids[1]!)).review_reason, 'The business licence is unreadable');

      const later = await cli('enterprise', 'approve', ids[1]!, '--rank', 'others');
      assert.equal(later.code, 0, later.stderr);
      assert.match(later.stdout, /^rank: OTHERS$/m);
      assert.equal((await status(ids[1]!)).rank, 'OTHERS');

      const enabled = JSON.parse((await cli('enterprise', 'list', '--status', 'ENABLE', '--json')).stdout);
      assert.deepEqual(
        enabled.map((e: { id: string }) => e.id),
        [ids[0], ids[1]],
      );
      const waiting = JSON.parse((await cli('enterprise', 'list', '--status', 'disable', '--json')).stdout);
      assert.deepEqual(
        waiting.map((e: { id: string }) => e.id),
        [ids[2], ids[3]],
      );

      const shown = await cli('enterprise', 'show', ids[1]!);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /^merchant_id: M/m);
      assert.match(shown.stdout, /^reviewed_at: \d{4}-\d{2}-\d{2} /m);
    });

    test('refusals: an ENABLE company, an unknown id (exit 1, with the return code)', async (t) => {
      if (!shared) return t.skip('in-memory PGlite cannot be shared with another process');
      await h.gateway.context.services.enterprises.approve(ids[3]!, 'UNKNOWN');
      const again = await cli('enterprise', 'reject', ids[3]!, '--reason', 'late');
      assert.equal(again.code, 1);
      assert.match(again.stderr, /is ENABLE with rank UNKNOWN \[00060783: /);
      const unknown = await cli('enterprise', 'approve', 'EQ_AAAAAAAAAAAAAAAAAAAAA', '--json');
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /no enterprise qualification EQ_AAAAAAAAAAAAAAAAAAAAA .*\[00060780: /);
      const none = await cli('enterprise', 'show', 'EQ_AAAAAAAAAAAAAAAAAAAAA');
      assert.equal(none.code, 1);
    });
  });
}
