/**
 * The response signer: signatures made on libuv's thread pool verify exactly like those made on the
 * event loop, cached answers come back at once (no promise, no thread round trip), concurrent asks
 * for the same bytes share one signing, POST answers are not cached, and a key that cannot sign is
 * reported (a rejected promise), never a hang.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  buildSignedBody,
  CachingResponseSigner,
  signSha256WithRsaOffThread,
  signedTextOf,
} from '../../src/http/signed-body.ts';
import { signSha256WithRsa, verifySha256WithRsa } from '../../src/crypto/rsa-signature.ts';
import { RET } from '../../src/errors/catalogue.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

test('off-thread signatures are the same bytes as event-loop signatures (PKCS#1 v1.5 is deterministic)', async () => {
  for (const text of ['{}', '{"payment":{"id":"PAY_X","note":"中文 }{"}}', 'x'.repeat(100_000)]) {
    const offThread = await signSha256WithRsaOffThread(privateKey, text);
    assert.equal(offThread, signSha256WithRsa(privateKey, text), `same signature for a ${text.length}-character text`);
    assert.ok(verifySha256WithRsa(publicKey, text, offThread), 'the off-thread signature verifies');
  }
});

test('a miss is a promise, the same bytes again are answered at once from the cache', async () => {
  const signer = new CachingResponseSigner(privateKey);
  const text = '{"payment":{"id":"PAY_CACHE","state":"WAIT_BUYER_PAY"}}';
  const first = signer.sign(text);
  assert.ok(first instanceof Promise, 'a miss is signed off the event loop');
  const signature = await first;
  const again = signer.sign(text);
  assert.equal(typeof again, 'string', 'a hit is a string, no round trip');
  assert.equal(again, signature);
  assert.ok(verifySha256WithRsa(publicKey, text, signature), 'the cached signature verifies');
});

test('concurrent asks for the same bytes share one signing', async () => {
  const signer = new CachingResponseSigner(privateKey);
  const text = '{"payment":{"id":"PAY_TWICE"}}';
  const a = signer.sign(text);
  const b = signer.sign(text);
  assert.ok(a instanceof Promise, 'the first ask is a promise');
  assert.equal(a, b, 'the second ask gets the same promise');
  assert.equal(await a, await b);
});

test('remember: false signs without caching (POST answers)', async () => {
  const signer = new CachingResponseSigner(privateKey);
  const text = '{"payment":{"id":"PAY_NEW"}}';
  const signature = await signer.sign(text, false);
  assert.ok(verifySha256WithRsa(publicKey, text, signature), 'the signature verifies');
  assert.ok(signer.sign(text) instanceof Promise, 'nothing was cached, so the next GET-style ask signs again');
});

test('the cache keeps at most `capacity` signatures, dropping the oldest', async () => {
  const signer = new CachingResponseSigner(privateKey, { capacity: 2 });
  await signer.sign('{"a":1}');
  await signer.sign('{"b":2}');
  await signer.sign('{"c":3}');
  assert.equal(typeof signer.sign('{"c":3}'), 'string', 'the newest is cached');
  assert.equal(typeof signer.sign('{"b":2}'), 'string', 'the second newest is cached');
  assert.ok(signer.sign('{"a":1}') instanceof Promise, 'the oldest was dropped');
});

test('offThread: false signs on the event loop and answers strings', () => {
  const signer = new CachingResponseSigner(privateKey, { offThread: false });
  const signature = signer.sign('{"x":1}');
  assert.equal(typeof signature, 'string', 'a string at once');
  assert.ok(verifySha256WithRsa(publicKey, '{"x":1}', signature as string), 'the signature verifies');
  const body = buildSignedBody(signer, RET.SUCCESS, { x: 1 });
  assert.equal(typeof body, 'string', 'the body is built at once');
});

test('a signed body built off the event loop has the documented layout and verifies', async () => {
  const signer = new CachingResponseSigner(privateKey);
  const pending = buildSignedBody(
    signer,
    RET.VALIDATION,
    { error: { ret_code: '00060700', ret_msg: 'a {b}' } },
    'a {b}',
    false,
  );
  assert.ok(pending instanceof Promise, 'a POST answer is signed off the event loop');
  const body = await pending;
  assert.ok(
    body.startsWith('{"meta":{"ret_code":"00060700","ret_msg":"a \\u007bb\\u007d","sign":"'),
    `meta comes first, braces escaped: ${body.slice(0, 80)}`,
  );
  const sign = (JSON.parse(body) as { meta: { sign: string } }).meta.sign;
  assert.ok(
    verifySha256WithRsa(createPublicKey(privateKey), signedTextOf(body), sign),
    'meta.sign covers the body without meta',
  );
});

test('a key that cannot sign SHA256withRSA is a rejected promise, not a hang or a crash', async () => {
  const { privateKey: ed25519 } = generateKeyPairSync('ed25519');
  await assert.rejects(signSha256WithRsaOffThread(ed25519, '{}'));
  const signer = new CachingResponseSigner(ed25519);
  await assert.rejects(Promise.resolve(signer.sign('{"y":1}')));
  // The failed signing is not remembered: a second ask tries again (and fails again).
  await assert.rejects(Promise.resolve(signer.sign('{"y":1}')));
});
