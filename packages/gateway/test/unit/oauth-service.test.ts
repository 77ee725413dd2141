/**
 * OAuthService: a merchant's client credentials buy a bearer token that names the merchant
 * (`holderOf`) until it expires; wrong secrets slow down the address they come from, never the client.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { openWorld, refused, type World } from './service-world.ts';
import { ADDRESS_RULE, MAX_BLOCK_MS, PAIR_RULE, QUIET_RESET_MS } from '../../src/oauth/oauth-service.ts';

async function client(w: World, name = 'Test Shop') {
  const created = await w.services.merchants.create({ name });
  return {
    merchant: created.merchant,
    good: { clientId: created.merchant.clientId, clientSecret: created.clientSecret, grantType: 'client_credentials' },
    bad: { clientId: created.merchant.clientId, clientSecret: 'not-the-secret', grantType: 'client_credentials' },
  };
}

test("a merchant's credentials buy a token that names the merchant", async (t) => {
  const w = await openWorld(t);
  const { merchant, good } = await client(w);

  const issued = await w.services.oauth.authorize(good);
  assert.match(issued.accessToken, /^[0-9a-f]{64}$/);
  assert.equal(issued.expiresIn, 3600);
  const holder = await w.services.oauth.holderOf(issued.accessToken, false);
  assert.equal(holder.merchant.id, merchant.id);
  assert.equal(holder.expiresAt, w.clock.now() + 3600_000);
  const withKeys = await w.services.oauth.holderOf(issued.accessToken, true);
  assert.ok('keyPems' in withKeys);
  assert.equal(withKeys.keyPems.length, 1, "with the merchant's active public key");

  // A new token replaces the previous one.
  const next = await w.services.oauth.authorize(good);
  await refused(w.services.oauth.holderOf(issued.accessToken, false), 'token_invalid');
  assert.equal((await w.services.oauth.holderOf(next.accessToken, false)).merchant.id, merchant.id);
  await refused(w.services.oauth.holderOf('f'.repeat(64), false), 'token_invalid');
});

test('wrong credentials are invalid_client; another grant type is unsupported', async (t) => {
  const w = await openWorld(t);
  const { good, bad } = await client(w);

  await refused(w.services.oauth.authorize(bad), 'invalid_client');
  await refused(w.services.oauth.authorize({ ...good, clientId: 'no-such-client' }), 'invalid_client');
  await refused(w.services.oauth.authorize({ ...good, clientSecret: undefined }), 'invalid_client');
  await refused(w.services.oauth.authorize({ ...good, grantType: 'password' }), 'unsupported_grant_type');
});

test('a token is good until it expires, then token_invalid', async (t) => {
  const w = await openWorld(t);
  const { merchant, good } = await client(w);
  const { accessToken } = await w.services.oauth.authorize(good);

  w.clock.advance(3600_000 - 1);
  assert.equal((await w.services.oauth.holderOf(accessToken, false)).merchant.id, merchant.id);
  w.clock.advance(1);
  await refused(w.services.oauth.holderOf(accessToken, false), 'token_invalid');
  await refused(w.services.oauth.holderOf(accessToken, true), 'token_invalid');
  // A new one can be bought.
  const renewed = await w.services.oauth.authorize(good);
  assert.equal((await w.services.oauth.holderOf(renewed.accessToken, false)).merchant.id, merchant.id);
});

const MAX_FAILURES = PAIR_RULE.freeFailures;
const ATTACKER = '203.0.113.7';
const MERCHANT = '198.51.100.20';

test('ten wrong secrets from one address block that address for the client, not the merchant elsewhere', async (t) => {
  const w = await openWorld(t);
  const { good, bad } = await client(w);
  const neighbour = await client(w, 'Neighbour Shop');
  assert.equal(MAX_FAILURES, 10);

  for (let i = 1; i <= MAX_FAILURES; i++) await refused(w.services.oauth.authorize(bad, ATTACKER), 'invalid_client');
  // The attacker's address waits, even with the right secret ...
  const blocked = await refused(w.services.oauth.authorize(good, ATTACKER), 'too_many_attempts');
  assert.equal(blocked.facts.retryAfterMs, 1000);
  // ... but the merchant, from its own address, is not locked out.
  await w.services.oauth.authorize(good, MERCHANT);
  await w.services.oauth.authorize(good, MERCHANT);
  // Nor is another client from the attacker's address.
  await w.services.oauth.authorize(neighbour.good, ATTACKER);
});

test("each further failure doubles the address's wait, up to MAX_BLOCK_MS", async (t) => {
  const w = await openWorld(t);
  const { good, bad } = await client(w);
  for (let i = 1; i < MAX_FAILURES; i++) await refused(w.services.oauth.authorize(bad, ATTACKER), 'invalid_client');
  const waits: number[] = [];
  for (let i = 0; i < 14; i++) {
    await refused(w.services.oauth.authorize(bad, ATTACKER), 'invalid_client');
    const blocked = await refused(w.services.oauth.authorize(bad, ATTACKER), 'too_many_attempts');
    waits.push(blocked.facts.retryAfterMs!);
    w.clock.advance(blocked.facts.retryAfterMs! - 1);
    await refused(w.services.oauth.authorize(good, ATTACKER), 'too_many_attempts'); // not yet
    w.clock.advance(1);
  }
  assert.deepEqual(
    waits,
    [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
      .map((s) => s * 1000)
      .concat([MAX_BLOCK_MS, MAX_BLOCK_MS, MAX_BLOCK_MS, MAX_BLOCK_MS]),
  );
  // Waited out, the right secret works from there and clears the pair's count.
  await w.services.oauth.authorize(good, ATTACKER);
  for (let i = 1; i < MAX_FAILURES; i++) await refused(w.services.oauth.authorize(bad, ATTACKER), 'invalid_client');
  await w.services.oauth.authorize(good, ATTACKER);
});

test('a burst of parallel guesses from one address gets at most the free failures checked', async (t) => {
  const w = await openWorld(t);
  const { good, bad } = await client(w);
  const results = await Promise.allSettled(
    Array.from({ length: 3 * MAX_FAILURES }, () => w.services.oauth.authorize(bad, ATTACKER)),
  );
  const reasons = results.map((r) => (r.status === 'rejected' ? (r.reason as { reason: string }).reason : 'ok'));
  assert.equal(reasons.filter((r) => r === 'invalid_client').length, MAX_FAILURES, reasons.join(' '));
  assert.equal(reasons.filter((r) => r === 'too_many_attempts').length, 2 * MAX_FAILURES);
  await w.services.oauth.authorize(good, MERCHANT);
});

test('one address failing for many client ids is slowed down as a whole (ADDRESS_RULE)', async (t) => {
  const w = await openWorld(t);
  const { good } = await client(w);
  for (let i = 0; i < ADDRESS_RULE.freeFailures; i++) {
    await refused(
      w.services.oauth.authorize(
        { clientId: `c_guess_${i}`, clientSecret: 'x', grantType: 'client_credentials' },
        ATTACKER,
      ),
      'invalid_client',
    );
  }
  const blocked = await refused(w.services.oauth.authorize(good, ATTACKER), 'too_many_attempts');
  assert.equal(blocked.facts.retryAfterMs, 1000);
  await w.services.oauth.authorize(good, MERCHANT);
  w.clock.advance(1000);
  await w.services.oauth.authorize(good, ATTACKER);
});

test('a success clears the wrong secrets before it, and so does a quiet hour', async (t) => {
  const w = await openWorld(t);
  const { good, bad } = await client(w);
  // Nine at once (scrypt runs on the thread pool): all nine are counted and checked.
  const nineWrong = () =>
    Promise.all(
      Array.from({ length: MAX_FAILURES - 1 }, () =>
        refused(w.services.oauth.authorize(bad, ATTACKER), 'invalid_client'),
      ),
    );

  await nineWrong();
  await w.services.oauth.authorize(good, ATTACKER);
  await nineWrong(); // eighteen wrong, but the success cleared the first nine
  w.clock.advance(QUIET_RESET_MS + 1);
  await nineWrong(); // the last nine were an hour ago
  await w.services.oauth.authorize(good, ATTACKER);
});
