/**
 * The CLI as an operator uses it, against a gateway running on the same data: the gateway sees
 * each change at once, without a restart.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { generateKeyPairSync, X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, type Harness } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { signSha256WithRsa } from '../../src/crypto/rsa-signature.ts';
import { paidWalletPayment } from '../helpers/refunds.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/umf-gateway.js', import.meta.url).pathname;

for (const kind of testDatabaseUrls()) {
  describe(`umf-gateway CLI beside a running gateway (${kind.name})`, () => {
    let h: Harness;
    let cli: (...args: string[]) => Promise<{ stdout: string; stderr: string }>;
    before(async () => {
      h = await startHarness(kind, { workers: false });
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        UMF_DATA_DIR: h.dataDir,
        DATABASE_URL: h.gateway.context.store.url,
      };
      // In-memory PGlite cannot be shared with another process: those tests skip, the CLI uses SQLite.
      if (h.gateway.context.store.url.startsWith('pglite:')) delete env.DATABASE_URL;
      cli = (...args) => run(process.execPath, [bin, ...args], { env });
    });
    after(() => h.close());

    test(
      'merchant create --json generates a key pair, writes PKCS#8 PEM and DER (0600), ' +
        'and the running gateway accepts the merchant at once',
      async (t) => {
        if (h.gateway.context.store.url === 'pglite:')
          return t.skip('in-memory PGlite cannot be shared with another process');
        const { stdout } = await cli('merchant', 'create', '--name', 'CLI Shop', '--json');
        const created = JSON.parse(stdout) as Record<string, string>;
        assert.match(created.merchant_id!, /^M\d{11}$/);
        assert.match(created.client_id!, /^[0-9a-f]{40}$/);
        assert.match(created.client_secret!, /^[0-9a-f]{40}$/);
        assert.equal(created.encryption, 'oaep');
        assert.ok(
          created.private_key_file!.startsWith(join(h.dataDir, 'merchants')),
          `the PEM key is under the data directory: ${created.private_key_file}`,
        );
        assert.equal(statSync(created.private_key_file!).mode & 0o777, 0o600);
        assert.ok(
          created.private_key_der_file!.endsWith('.key.p8'),
          `the DER key file is .key.p8: ${created.private_key_der_file}`,
        );
        const der = createPrivateKey({
          key: readFileSync(created.private_key_der_file!),
          format: 'der',
          type: 'pkcs8',
        });
        const pem = createPrivateKey(readFileSync(created.private_key_file!, 'utf8'));
        assert.ok(der.equals(pem), 'the DER and PEM files hold the same key');

        const res = await fetch(`${h.api}/oauth/authorize`, {
          method: 'POST',
          body: JSON.stringify({
            client_id: created.client_id,
            client_secret: created.client_secret,
            grant_type: 'client_credentials',
          }),
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(res.status, 200);
        const token = ((await res.json()) as { access_token: string }).access_token;
        const body = '{}';
        const signed = await fetch(`${h.api}/payments/payment`, {
          method: 'POST',
          body,
          headers: {
            authorization: `Bearer${token}`,
            signature: signSha256WithRsa(der, body),
            'content-type': 'application/json',
          },
        });
        // The signature verified (the failure is about the empty order, not the signature).
        assert.equal(((await signed.json()) as { meta: { ret_code: string } }).meta.ret_code, '00060700');
      },
    );

    test(
      'merchant create with --public-key and --encryption pkcs1, ' + 'key rotation with add-key / revoke-key',
      async (t) => {
        if (h.gateway.context.store.url === 'pglite:')
          return t.skip('in-memory PGlite cannot be shared with another process');
        const first = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const second = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const firstFile = join(h.dataDir, 'first.pub.pem');
        const secondFile = join(h.dataDir, 'second.pub.pem');
        writeFileSync(firstFile, first.publicKey.export({ type: 'spki', format: 'pem' }));
        writeFileSync(secondFile, second.publicKey.export({ type: 'spki', format: 'pem' }));
        const { stdout } = await cli(
          'merchant',
          'create',
          '--name',
          'Own Key Shop',
          '--public-key',
          firstFile,
          '--encryption',
          'pkcs1',
        );
        const fields = Object.fromEntries(
          stdout
            .trim()
            .split('\n')
            .map((l) => l.split(': ')),
        );
        assert.equal(fields.encryption, 'pkcs1');
        assert.equal(fields.private_key_file, undefined, 'no key generated when the merchant brings one');
        const token = (
          (await (
            await fetch(`${h.api}/oauth/authorize`, {
              method: 'POST',
              body: `grant_type=client_credentials&client_id=${fields.client_id}&client_secret=${fields.client_secret}`,
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
            })
          ).json()) as { access_token: string }
        ).access_token;
        const post = async (key: typeof first.privateKey) => {
          const res = await fetch(`${h.api}/payments/payment`, {
            method: 'POST',
            body: '{}',
            headers: {
              authorization: `Bearer ${token}`,
              signature: signSha256WithRsa(key, '{}'),
              'content-type': 'application/json',
            },
          });
          return ((await res.json()) as { meta: { ret_code: string } }).meta.ret_code;
        };
        assert.equal(await post(first.privateKey), '00060700');
        assert.equal(await post(second.privateKey), '00060710');
        const added = await cli('merchant', 'add-key', '--merchant', fields.merchant_id, '--public-key', secondFile);
        assert.match(added.stdout, /^key_id: KEY_/);
        assert.equal(await post(second.privateKey), '00060700', 'the new key works at once');
        assert.equal(await post(first.privateKey), '00060700', 'both keys work during the rotation');
        const keys = await h.gateway.context.db
          .selectFrom('merchant_keys')
          .select(['id', 'fingerprint'])
          .where('merchant_id', '=', fields.merchant_id)
          .orderBy('id')
          .execute();
        await cli('merchant', 'revoke-key', '--merchant', fields.merchant_id, '--key', keys[0]!.id);
        assert.equal(await post(first.privateKey), '00060710', 'the revoked key is refused at once');
        assert.equal(await post(second.privateKey), '00060700');
      },
    );

    test(
      'platform cert prints the X.509 certificate whose key signs the responses; ' +
        'the private key is sealed at rest',
      async (t) => {
        if (h.gateway.context.store.url === 'pglite:')
          return t.skip('in-memory PGlite cannot be shared with another process');
        const { stdout } = await cli('platform', 'cert');
        const cert = new X509Certificate(stdout);
        assert.ok(
          cert.publicKey.equals(h.platformCert.publicKey),
          'the printed certificate holds the key that signs the responses',
        );
        assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
        const row = await h.gateway.context.db.selectFrom('platform_keys').selectAll().executeTakeFirstOrThrow();
        assert.ok(!row.private_key_enc.includes('PRIVATE KEY'), 'the platform private key is not stored in the clear');
        assert.match(row.private_key_enc, /^v1\./);
        assert.equal(statSync(join(h.dataDir, 'master.key')).mode & 0o777, 0o600);
      },
    );

    test('fx set changes the rate the running gateway quotes', async (t) => {
      if (h.gateway.context.store.url === 'pglite:')
        return t.skip('in-memory PGlite cannot be shared with another process');
      await cli('fx', 'set', 'EUR', '7.5000');
      const m = await h.merchant();
      const res = await h.call(m, 'GET', '/exchange_rate?currency=EUR');
      assert.deepEqual(res.json.exchange_rates, [{ currency: 'EUR', rate: '7.5000' }]);
      await assert.rejects(cli('fx', 'set', 'XXX', '1'), /unknown currency/);
    });

    test(
      'merchant set-fee and settle --cutoff now: ' +
        'the running gateway serves the statement of what the command settled',
      async (t) => {
        if (h.gateway.context.store.url === 'pglite:')
          return t.skip('in-memory PGlite cannot be shared with another process');
        const m = await h.merchant({ name: 'Settle CLI Shop' });
        const fee = await cli('merchant', 'set-fee', '--merchant', m.id, '--service-fee', '2.5%');
        assert.match(fee.stdout, /2\.50 % \(250 bp\)/);
        const paid = await paidWalletPayment(h, m, '40.00', 'USD');
        const { stdout } = await cli('settle', '--cutoff', 'now', '--json');
        const result = JSON.parse(stdout) as { settle_date: string; settlements: Array<Record<string, any>> };
        const mine = result.settlements.find((s) => s.merchant_id === m.id);
        assert.ok(mine, `a settlement for the shop in ${stdout}`);
        const cny = paid.order.amount.total_cny as string;
        const cnyFen = BigInt(cny.replace('.', ''));
        const feeFen = (cnyFen * 250n * 2n + 10_000n) / 20_000n; // 2.50 %, half up
        assert.equal(mine.gross_cny, cny);
        assert.equal(mine.service_fee, `${feeFen / 100n}.${String(feeFen % 100n).padStart(2, '0')}`);
        assert.equal(mine.payments, 1);
        const statement = await h.call(
          m,
          'GET',
          `/payments/reconciliation_statement?settle_date=${result.settle_date}`,
        );
        assert.equal(statement.status, 200, statement.text);
        assert.equal(statement.json.reconciliations.payment_summaries[0].payment_id, paid.id);
        assert.equal(statement.json.reconciliations.amount.total, mine.amount);

        const again = await cli('settle', '--cutoff', 'now');
        assert.doesNotMatch(again.stdout, new RegExp(m.id), 'nothing of the shop is settled twice');
        await assert.rejects(
          cli('settle', '--date', '2026'),
          (e: { code: number; stderr: string }) => e.code === 2 && /YYYYMMDD/.test(e.stderr),
        );
        await assert.rejects(
          cli('settle', '--date', '20991231'),
          (e: { code: number; stderr: string }) => e.code === 1 && /has not come yet/.test(e.stderr),
        );
        await assert.rejects(
          cli('merchant', 'set-fee', '--merchant', m.id, '--service-fee', 'lots'),
          // A bad flag value is a usage error, refused before anything is opened.
          (e: { code: number; stderr: string }) => e.code === 2 && /percentage/.test(e.stderr),
        );
      },
    );

    test('bad usage exits non-zero with a message', async () => {
      await assert.rejects(
        cli('merchant', 'create'),
        (e: { code: number; stderr: string }) => e.code === 2 && /--name/.test(e.stderr),
      );
      await assert.rejects(
        cli('frobnicate'),
        (e: { code: number; stderr: string }) => e.code === 2 && /unknown command/.test(e.stderr),
      );
    });
  });
}
