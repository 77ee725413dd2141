import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { buildSignedBody, CachingResponseSigner, signedTextOf } from '../../src/http/signed-body.ts';
import { RET } from '../../src/errors/catalogue.ts';
import { signSha256WithRsa, verifySha256WithRsa } from '../../src/crypto/rsa-signature.ts';

const docs = readFileSync(new URL('../../../../docs/signatures.md', import.meta.url), 'utf8');
const blocks = [...docs.matchAll(/```text\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
const [docBody, docSigned, docPublicKey, docRequestSignature] = blocks;
const key = createPrivateKey(readFileSync(new URL('../fixtures/signature-vector-key.pem', import.meta.url)));

test('the documented response vector is what the gateway emits for that result', async () => {
  const body = await buildSignedBody(new CachingResponseSigner(key), RET.SUCCESS, {
    exchange_rates: [{ currency: 'USD', rate: '7.1234' }],
  });
  assert.equal(body, docBody);
  assert.equal(signedTextOf(body), docSigned);
});

test('the documented signature verifies over the documented signed text with the documented public key', () => {
  const sign = (JSON.parse(docBody!) as { meta: { sign: string } }).meta.sign;
  const publicKey = createPublicKey(docPublicKey!);
  assert.ok(verifySha256WithRsa(publicKey, Buffer.from(docSigned!, 'utf8'), sign));
  assert.ok(!verifySha256WithRsa(publicKey, Buffer.from(docSigned!.replace('7.1234', '7.1235'), 'utf8'), sign));
});

test('the documented request signature is reproducible', () => {
  assert.equal(
    signSha256WithRsa(key, '{"client_ref":"demo","amount":{"total":"100.02","currency":"USD"}}'),
    docRequestSignature,
  );
});

test('meta strings never contain raw braces, so the end of meta is found by the first closing brace', async () => {
  const body = await buildSignedBody(
    new CachingResponseSigner(key),
    RET.VALIDATION,
    { payment: { id: 'PAY_X', note: '}{' } },
    'order.amount {total} is wrong',
  );
  assert.ok(body.startsWith('{"meta":{"ret_code":"00060700","ret_msg":"order.amount \\u007btotal\\u007d is wrong"'));
  assert.equal(signedTextOf(body), '{"payment":{"id":"PAY_X","note":"}{"}}');
  assert.deepEqual(JSON.parse(body).meta.ret_msg, 'order.amount {total} is wrong');
  const onlyMeta = await buildSignedBody(new CachingResponseSigner(key), RET.ROUTE_NOT_FOUND, {});
  assert.equal(signedTextOf(onlyMeta), '{}');
  assert.ok(verifySha256WithRsa(createPublicKey(key), '{}', JSON.parse(onlyMeta).meta.sign));
});
