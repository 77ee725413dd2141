/**
 * The console's accounts and sessions over HTTP, on SQLite and PostgreSQL: sign-in (wrong then
 * right), sign-out and sign-out everywhere, idle and absolute expiry on the harness clock, CSRF and
 * Origin refusals, throttled wrong passwords (per account and per address), roles, cookies, and
 * the audit entries of all of it.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { paidWalletPayment, paymentBody } from '../helpers/refunds.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { ConsoleVisitor } from '../helpers/console.ts';
import { ACCOUNT_RULE, ADDRESS_RULE, IDLE_MS, ABSOLUTE_MS } from '../../src/console/account-service.ts';
import { hashPassword, verifyPassword } from '../../src/console/password-hash.ts';

const PASSWORD = 'a long console password';

test('passwords: scrypt N=2^15 r=8 p=1 with a random salt, parameters stored, wrong ones refused', async () => {
  const one = await hashPassword(PASSWORD);
  const two = await hashPassword(PASSWORD);
  assert.match(one, /^scrypt\$15\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
  assert.notEqual(one, two, 'a random salt each time');
  assert.ok(await verifyPassword(PASSWORD, one));
  assert.ok(!(await verifyPassword(PASSWORD + 'x', one)));
  assert.ok(!(await verifyPassword(PASSWORD, 'scrypt$30$8$1$AA$AA')), 'absurd parameters are refused, not run');
  assert.ok(!(await verifyPassword(PASSWORD, 'plain')));
});

for (const kind of testDatabaseUrls()) {
  describe(`console sign-in and sessions (${kind.name})`, () => {
    let h: Harness;
    let merchantId: string;
    let otherMerchantId: string;
    const merchants = new Map<string, TestMerchant>();
    before(async () => {
      h = await startHarness(kind, { workers: false });
      const accounts = h.gateway.context.services.consoleAccounts;
      await accounts.createOperator({ email: 'admin@example.com', role: 'admin', password: PASSWORD });
      await accounts.createOperator({ email: 'viewer@example.com', role: 'viewer', password: PASSWORD });
      await accounts.createOperator({ email: 'reviewer@example.com', role: 'reviewer', password: PASSWORD });
      for (const name of ['Tea House', 'Other Shop']) {
        const m = await h.merchant({ name });
        merchants.set(m.id, m);
      }
      [merchantId, otherMerchantId] = [...merchants.keys()] as [string, string];
      await accounts.addMerchantUser({ merchantId, email: 'shop@example.com', password: PASSWORD });
    });
    after(() => h?.close());

    const audit = async (action: string) =>
      (await h.gateway.context.services.audit.list({ limit: 500 })).filter((e) => e.action === action);

    test('a wrong password is refused (401, the form again), the right one opens a session', async () => {
      const v = new ConsoleVisitor(h);
      const first = await v.get('/console');
      assert.equal(first.status, 303);
      assert.equal(first.location, '/console/login');
      const wrong = await v.login('Admin@Example.com', 'not the password');
      assert.equal(wrong.status, 401);
      assert.match(wrong.text, /Wrong email or password\./);
      assert.match(wrong.text, /value="Admin@Example.com"/, 'the email typed is kept');
      assert.ok(!wrong.text.includes('not the password'));
      const right = await v.login('Admin@Example.com', PASSWORD);
      assert.equal(right.status, 303);
      assert.equal(right.location, '/console');
      const setCookie = right.headers.getSetCookie().find((c) => c.startsWith('umf_console='))!;
      assert.match(setCookie, /; Path=\/console; Max-Age=43200; HttpOnly; SameSite=Lax$/, 'no Secure over plain HTTP');
      const id = /^umf_console=([^;]+)/.exec(setCookie)![1]!;
      assert.equal(Buffer.from(id, 'base64url').length, 32, 'a 32-byte random id');
      const row = await h.gateway.context.db.selectFrom('console_sessions').selectAll().execute();
      assert.ok(
        row.every((r) => r.id_hash !== id && /^[0-9a-f]{64}$/.test(r.id_hash)),
        'only its hash is stored',
      );
      const overview = await v.get('/console');
      assert.equal(overview.status, 200);
      assert.match(overview.text, /admin@example\.com/);

      const failed = await audit('login_failed');
      assert.ok(failed.some((e) => e.actor === 'admin@example.com' && e.address === '127.0.0.1'));
      assert.ok(
        failed.every((e) => !JSON.stringify(e).includes('not the password')),
        'never the password',
      );
      assert.ok((await audit('login')).some((e) => e.actor === 'admin@example.com'));
    });

    test('cookies are Secure when the gateway is reached over HTTPS', async () => {
      const config = h.gateway.context.config as { publicUrl: string };
      const before = config.publicUrl;
      config.publicUrl = 'https://gateway.example';
      try {
        const v = new ConsoleVisitor(h);
        const form = await v.get('/console/login');
        assert.match(form.headers.getSetCookie()[0]!, /; Secure$/);
        const res = await v.post(
          '/console/login',
          { csrf: ConsoleVisitor.csrfOf(form), email: 'admin@example.com', password: PASSWORD },
          { origin: 'https://gateway.example' },
        );
        assert.equal(res.status, 303);
        assert.match(
          res.headers.getSetCookie().find((c) => c.startsWith('umf_console='))!,
          /HttpOnly; SameSite=Lax; Secure/,
        );
      } finally {
        config.publicUrl = before;
      }
    });

    test('sign out ends the session; sign out everywhere ends every session of the account', async () => {
      const a = new ConsoleVisitor(h);
      const b = new ConsoleVisitor(h);
      const c = new ConsoleVisitor(h);
      for (const v of [a, b, c]) assert.equal((await v.login('reviewer@example.com', PASSWORD)).status, 303);
      const out = await a.post('/console/logout', { csrf: await a.sessionCsrf() });
      assert.equal(out.status, 303);
      assert.equal(out.location, '/console/login?out=1');
      assert.equal((await a.get('/console')).status, 303, 'signed out');
      assert.equal((await b.get('/console')).status, 200, 'the other sessions live on');
      const everywhere = await b.post('/console/logout-everywhere', { csrf: await b.sessionCsrf() });
      assert.equal(everywhere.location, '/console/login?out=all');
      assert.equal((await b.get('/console')).status, 303);
      assert.equal((await c.get('/console')).status, 303, 'every session of the account ended');
      const page = await c.get('/console/login?out=all');
      assert.match(page.text, /You are signed out on every device\./);
      assert.ok((await audit('logout')).some((e) => e.actor === 'reviewer@example.com'));
      const all = (await audit('logout_everywhere')).find((e) => e.actor === 'reviewer@example.com')!;
      assert.deepEqual(all.detail, { sessions: 2 });
    });

    test('sessions expire after 30 idle minutes and 12 hours after sign-in, whatever the activity', async () => {
      const idle = new ConsoleVisitor(h);
      await idle.login('viewer@example.com', PASSWORD);
      h.clock.advance(IDLE_MS - 60_000);
      assert.equal((await idle.get('/console')).status, 200, 'active within the idle window');
      h.clock.advance(IDLE_MS - 60_000);
      assert.equal((await idle.get('/console')).status, 200, 'the last visit moved the idle expiry');
      h.clock.advance(IDLE_MS + 1000);
      const ended = await idle.get('/console');
      assert.equal(ended.status, 303);
      assert.equal(ended.location, '/console/login?ended=1');
      assert.match((await idle.get('/console/login?ended=1')).text, /Your session has ended/);

      const busy = new ConsoleVisitor(h);
      await busy.login('viewer@example.com', PASSWORD);
      for (let spent = 0; spent < ABSOLUTE_MS - 20 * 60_000; spent += 20 * 60_000) {
        h.clock.advance(20 * 60_000);
        assert.equal((await busy.get('/console')).status, 200, `alive after ${spent / 60_000 + 20} min`);
      }
      h.clock.advance(25 * 60_000);
      assert.equal((await busy.get('/console')).status, 303, 'ended 12 h after sign-in although active');
    });

    test('a POST without the CSRF token, a wrong one, or another origin is refused (403 page)', async () => {
      const v = new ConsoleVisitor(h);
      await v.login('admin@example.com', PASSWORD);
      const csrf = await v.sessionCsrf();
      const none = await v.post('/console/logout', {});
      assert.equal(none.status, 403);
      assert.match(none.text, /Request refused/);
      assert.match(none.headers.get('content-type')!, /text\/html/);
      assert.equal((await v.post('/console/logout', { csrf: csrf.slice(0, -2) + 'xx' })).status, 403);
      assert.equal((await v.post('/console/logout', { csrf }, { origin: 'https://evil.example' })).status, 403);
      assert.equal(
        (await v.post('/console/logout', { csrf }, { origin: '', referer: 'https://evil.example/x' })).status,
        403,
      );
      assert.equal((await v.get('/console')).status, 200, 'none of them signed out');
      // The sign-in form: its token is the one of its own cookie.
      const stranger = new ConsoleVisitor(h);
      const login = await stranger.post('/console/login', { email: 'admin@example.com', password: PASSWORD });
      assert.equal(login.status, 403);
      assert.equal((await v.post('/console/logout', { csrf })).status, 303, 'the right token and origin pass');
    });

    test('wrong passwords are throttled per account, from any address (doubling waits)', async () => {
      const accounts = h.gateway.context.services.consoleAccounts;
      await accounts.createOperator({ email: 'target@example.com', role: 'viewer', password: PASSWORD });
      for (let i = 0; i < ACCOUNT_RULE.freeFailures; i++) {
        const r = await accounts.login('target@example.com', 'wrong password', `10.1.0.${i}`);
        assert.deepEqual(r, { ok: false, reason: 'invalid' });
      }
      const blocked = await accounts.login('target@example.com', PASSWORD, '10.1.1.1');
      assert.equal(blocked.ok, false);
      assert.equal(!blocked.ok && blocked.reason, 'throttled', 'even the right password waits, from a new address');
      assert.ok(!blocked.ok && blocked.reason === 'throttled' && blocked.retryAfterMs <= ACCOUNT_RULE.baseDelayMs);
      h.clock.advance(ACCOUNT_RULE.baseDelayMs + 10);
      assert.equal((await accounts.login('target@example.com', 'wrong again', '10.1.1.1')).ok, false);
      const longer = await accounts.login('target@example.com', PASSWORD, '10.1.1.1');
      assert.ok(
        !longer.ok && longer.reason === 'throttled' && longer.retryAfterMs > ACCOUNT_RULE.baseDelayMs,
        'doubled',
      );
      h.clock.advance(2 * ACCOUNT_RULE.baseDelayMs + 10);
      assert.equal((await accounts.login('target@example.com', PASSWORD, '10.1.1.1')).ok, true);
      assert.equal((await accounts.login('viewer@example.com', PASSWORD, '10.1.0.1')).ok, true, 'others unaffected');
    });

    test('wrong passwords are throttled per address, over every account', async () => {
      const accounts = h.gateway.context.services.consoleAccounts;
      for (let i = 0; i < ADDRESS_RULE.freeFailures; i++) {
        assert.equal((await accounts.login(`nobody${i}@example.com`, 'guess', '10.2.0.1')).ok, false);
      }
      const blocked = await accounts.login('admin@example.com', PASSWORD, '10.2.0.1');
      assert.ok(!blocked.ok && blocked.reason === 'throttled', 'the address waits, whichever account it tries');
      assert.equal(
        (await accounts.login('admin@example.com', PASSWORD, '10.2.0.2')).ok,
        true,
        'other addresses do not',
      );
    });

    test('the sign-in page says when to try again (429, Retry-After)', async () => {
      const v = new ConsoleVisitor(h);
      await h.gateway.context.services.consoleAccounts.createOperator({
        email: 'page@example.com',
        role: 'viewer',
        password: PASSWORD,
      });
      for (let i = 0; i < ACCOUNT_RULE.freeFailures; i++)
        assert.equal((await v.login('page@example.com', 'x')).status, 401);
      const page = await v.login('page@example.com', PASSWORD);
      assert.equal(page.status, 429);
      assert.match(page.text, /Too many failed sign-ins\. Try again in \d+ s\./);
      assert.match(page.headers.get('retry-after')!, /^\d+$/);
    });

    test('roles: viewer and merchant user refused admin pages; a merchant user sees no operator page', async () => {
      const viewer = new ConsoleVisitor(h);
      await viewer.login('viewer@example.com', PASSWORD);
      assert.equal((await viewer.get('/console/accounts')).status, 403);
      assert.equal((await viewer.get('/console/audit')).status, 200, 'a viewer reads the audit log');
      const shop = new ConsoleVisitor(h);
      await shop.login('shop@example.com', PASSWORD);
      const refused = await shop.get('/console/audit');
      assert.equal(refused.status, 403);
      assert.match(refused.text, /Your account may not open this page/);
      assert.equal((await shop.get('/console/accounts')).status, 403);
      const overview = await shop.get('/console');
      assert.equal(overview.status, 200);
      assert.ok(!overview.text.includes('/console/audit'), 'no link to operator pages');
      assert.match(overview.text, new RegExp(`Merchant ${merchantId}`));
      const admin = new ConsoleVisitor(h);
      await admin.login('admin@example.com', PASSWORD);
      const list = await admin.get('/console/accounts');
      assert.equal(list.status, 200);
      assert.match(list.text, /shop@example\.com/);
      assert.ok(!list.text.includes('scrypt$'), 'never a hash');
    });

    test('the overview counts what the database holds, per merchant for a merchant user', async () => {
      const shopMerchant = merchants.get(merchantId)!;
      const other = merchants.get(otherMerchantId)!;
      await paidWalletPayment(h, shopMerchant);
      const unpaid = await h.call(
        shopMerchant,
        'POST',
        '/payments/payment',
        paymentBody('WECHAT_SCAN', '10.00', 'USD'),
      );
      assert.equal(unpaid.status, 201, unpaid.text);
      await paidWalletPayment(h, other);
      const shop = new ConsoleVisitor(h);
      await shop.login('shop@example.com', PASSWORD);
      const mine = await shop.get('/console');
      assert.match(mine.text, /data-figure="payments-today">2</);
      assert.match(mine.text, /data-figure="success-rate">50\.0 %</);
      assert.match(mine.text, /TRADE_SUCCESS/);
      assert.match(mine.text, /WAIT_BUYER_PAY/);
      const admin = new ConsoleVisitor(h);
      await admin.login('admin@example.com', PASSWORD);
      const all = await admin.get('/console');
      assert.match(all.text, /data-figure="payments-today">3</);
      assert.match(all.text, /data-figure="success-rate">66\.7 %</);
      assert.match(all.text, /Merchants 2/);
    });
  });
}
