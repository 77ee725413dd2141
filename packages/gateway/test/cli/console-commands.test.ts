/**
 * `umf-gateway operator create` and `merchant user add`, beside a running gateway on the same
 * database: text and --json, --password-file, the hidden prompt, and the refusals (short or empty
 * password, no terminal, unknown merchant, an email taken, a wrong role).
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, type Harness } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { runCli } from '../helpers/cli.ts';
import { consolePrompt } from '../../src/cli/console-commands.ts';
import { verifyPassword } from '../../src/console/password-hash.ts';

for (const kind of testDatabaseUrls()) {
  describe(`umf-gateway operator create and merchant user add (${kind.name})`, () => {
    let h: Harness;
    let at: string[];
    let passwordFile: string;
    before(async () => {
      h = await startHarness(kind, { workers: false });
      at = ['--database', h.gateway.context.store.url, '--data-dir', h.dataDir];
      passwordFile = join(h.dataDir, 'pw.txt');
      writeFileSync(passwordFile, 'correct horse battery staple\n');
    });
    after(() => h?.close());
    const shared = () => !h.gateway.context.store.url.startsWith('pglite:');

    test('operator create --json --password-file makes an operator the gateway logs in at once', async (t) => {
      if (!shared()) return t.skip('in-memory PGlite is not shared with another store');
      const run = await runCli([
        'operator',
        'create',
        '--email',
        'Ops@Example.com',
        '--role',
        'admin',
        '--password-file',
        passwordFile,
        '--json',
        ...at,
      ]);
      assert.equal(run.code, 0, run.err);
      const json = JSON.parse(run.out) as Record<string, string>;
      assert.equal(json.email, 'ops@example.com');
      assert.equal(json.role, 'admin');
      assert.equal(json.kind, 'operator');
      assert.match(json.account_id!, /^OPR_/);
      assert.ok(!run.out.includes('battery'), 'the password is never printed');
      const stored = await h.gateway.context.repositories.consoleAccounts.credentialsOf('ops@example.com');
      assert.match(stored!.passwordHash, /^scrypt\$15\$8\$1\$/);
      assert.ok(await verifyPassword('correct horse battery staple', stored!.passwordHash));
      const login = await h.gateway.context.services.consoleAccounts.login(
        'ops@example.com',
        'correct horse battery staple',
        '127.0.0.1',
      );
      assert.equal(login.ok, true);

      const again = await runCli([
        'operator',
        'create',
        '--email',
        'ops@example.com',
        '--role',
        'viewer',
        '--password-file',
        passwordFile,
        ...at,
      ]);
      assert.equal(again.code, 1);
      assert.match(again.err, /an account with the email ops@example\.com exists already/);
    });

    test('operator create in text, from the hidden prompt (asked twice)', async (t) => {
      if (!shared()) return t.skip('in-memory PGlite is not shared with another store');
      const asked: string[] = [];
      const before = consolePrompt.current;
      consolePrompt.current = () => async (question) => {
        asked.push(question);
        return 'a long enough passphrase';
      };
      try {
        const run = await runCli(['operator', 'create', '--email', 'viewer@example.com', '--role', 'viewer', ...at]);
        assert.equal(run.code, 0, run.err);
        assert.match(run.out, /^email: viewer@example\.com$/m);
        assert.match(run.out, /^role: viewer$/m);
        assert.deepEqual(asked, ['Password: ', 'Password again: ']);
      } finally {
        consolePrompt.current = before;
      }
    });

    test('refusals: short, empty, mismatched or missing passwords, a wrong role, a bad email', async () => {
      const short = join(h.dataDir, 'short.txt');
      writeFileSync(short, 'short\n');
      const empty = join(h.dataDir, 'empty.txt');
      writeFileSync(empty, '\n');
      const tooShort = await runCli([
        'operator',
        'create',
        '--email',
        'a@example.com',
        '--role',
        'admin',
        '--password-file',
        short,
        ...at,
      ]);
      assert.equal(tooShort.code, 1);
      assert.match(tooShort.err, /the password is too short: at least 12 characters; nothing was created/);
      const blank = await runCli([
        'operator',
        'create',
        '--email',
        'a@example.com',
        '--role',
        'admin',
        '--password-file',
        empty,
        ...at,
      ]);
      assert.match(blank.err, /the password is empty/);
      const before = consolePrompt.current;
      consolePrompt.current = () => undefined;
      try {
        const noTty = await runCli(['operator', 'create', '--email', 'a@example.com', '--role', 'admin', ...at]);
        assert.equal(noTty.code, 2);
        assert.match(noTty.err, /no --password-file and no terminal to ask on/);
      } finally {
        consolePrompt.current = before;
      }
      let n = 0;
      consolePrompt.current = () => async () => (n++ === 0 ? 'first long password' : 'other long password');
      try {
        const differ = await runCli(['operator', 'create', '--email', 'a@example.com', '--role', 'admin', ...at]);
        assert.equal(differ.code, 1);
        assert.match(differ.err, /the two passwords differ/);
      } finally {
        consolePrompt.current = before;
      }
      const role = await runCli([
        'operator',
        'create',
        '--email',
        'a@example.com',
        '--role',
        'root',
        '--password-file',
        passwordFile,
        ...at,
      ]);
      assert.equal(role.code, 2);
      assert.match(role.err, /--role must be one of admin, reviewer, viewer/);
      const noRole = await runCli([
        'operator',
        'create',
        '--email',
        'a@example.com',
        '--password-file',
        passwordFile,
        ...at,
      ]);
      assert.match(noRole.err, /operator create needs --role admin\|reviewer\|viewer/);
      const email = await runCli([
        'operator',
        'create',
        '--email',
        'nobody',
        '--role',
        'admin',
        '--password-file',
        passwordFile,
        ...at,
      ]);
      assert.match(email.err, /not an email address: "nobody"/);
      assert.equal(await h.gateway.context.repositories.consoleAccounts.credentialsOf('a@example.com'), undefined);
    });

    test('merchant user add (text and --json) binds the user to its merchant; an unknown one is refused', async (t) => {
      if (!shared()) return t.skip('in-memory PGlite is not shared with another store');
      const merchant = await h.merchant();
      const text = await runCli([
        'merchant',
        'user',
        'add',
        '--merchant',
        merchant.id,
        '--email',
        'finance@shop.example',
        '--password-file',
        passwordFile,
        ...at,
      ]);
      assert.equal(text.code, 0, text.err);
      assert.match(text.out, new RegExp(`^merchant_id: ${merchant.id}$`, 'm'));
      assert.match(text.out, /^kind: merchant_user$/m);
      const json = await runCli([
        'merchant',
        'user',
        'add',
        '--merchant',
        merchant.id,
        '--email',
        'second@shop.example',
        '--password-file',
        passwordFile,
        '--json',
        ...at,
      ]);
      assert.equal(json.code, 0, json.err);
      assert.equal((JSON.parse(json.out) as Record<string, string>).merchant_id, merchant.id);
      const unknown = await runCli([
        'merchant',
        'user',
        'add',
        '--merchant',
        'M00000000000',
        '--email',
        'x@shop.example',
        '--password-file',
        passwordFile,
        ...at,
      ]);
      assert.equal(unknown.code, 1);
      assert.match(unknown.err, /no merchant M00000000000/);
      const help = await runCli(['help', 'merchant', 'user', 'add']);
      assert.match(help.out, /--password-file FILE/);
    });
  });
}
