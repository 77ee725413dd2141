/**
 * OAuthService: a merchant's client credentials buy a bearer token that names the merchant
 * (`holderOf`) until it expires; ten wrong secrets lock the client out for a while.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { openWorld, refused, type World } from './service-world.ts';
import { FAILURE_WINDOW_MS, LOCKOUT_MS, MAX_FAILURES } from '../../src/oauth/oauth-service.ts';

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

test('ten wrong secrets lock the client out, the right one included, for LOCKOUT_MS', async (t) => {
  const w = await openWorld(t);
  const { good, bad } = await client(w);
  const neighbour = await client(w, 'Neighbour Shop');
  assert.equal(MAX_FAILURES, 10);

  for (let i = 1; i <= MAX_FAILURES; i++) await refused(w.services.oauth.authorize(bad), 'invalid_client');
  const locked = await refused(w.services.oauth.authorize(good), 'too_many_attempts');
  assert.equal(locked.facts.retryAfterMs, LOCKOUT_MS);
  await refused(w.services.oauth.authorize(bad), 'too_many_attempts');
  // The lockout is the client's own.
  await w.services.oauth.authorize(neighbour.good);

  w.clock.advance(LOCKOUT_MS - 1);
  const stillLocked = await refused(w.services.oauth.authorize(good), 'too_many_attempts');
  assert.equal(stillLocked.facts.retryAfterMs, 1);
  w.clock.advance(2); // just past the lockout (at its very end, see the next test)
  await w.services.oauth.authorize(good);
});

test('a client that waits exactly the retryAfterMs it was told gets its token', async (t) => {
  const w = await openWorld(t);
  const { good, bad } = await client(w);
  await Promise.allSettled(Array.from({ length: MAX_FAILURES }, () => w.services.oauth.authorize(bad)));
  const locked = await refused(w.services.oauth.authorize(good), 'too_many_attempts');

  w.clock.advance(locked.facts.retryAfterMs!);
  const issued = await w.services.oauth.authorize(good);
  assert.ok(issued.accessToken);
});

test('a success clears the wrong secrets before it, and so does the end of the window', async (t) => {
  const w = await openWorld(t);
  const { good, bad } = await client(w);
  // Nine at once (scrypt runs on the thread pool): all nine are counted and checked.
  const nineWrong = () =>
    Promise.all(
      Array.from({ length: MAX_FAILURES - 1 }, () => refused(w.services.oauth.authorize(bad), 'invalid_client')),
    );

  await nineWrong();
  await w.services.oauth.authorize(good);
  await nineWrong(); // eighteen wrong in the window, but the success cleared the first nine
  w.clock.advance(FAILURE_WINDOW_MS + 1);
  await nineWrong(); // the window of the last nine has passed
  await w.services.oauth.authorize(good);
});
