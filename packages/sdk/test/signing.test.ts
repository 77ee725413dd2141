import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey, verify } from 'node:crypto';
import {
  UmfSignatureVerificationError,
  buildSignedResponseBody,
  extractSignedParts,
  extractSignedText,
  loadPrivateKey,
  loadPublicKey,
  readMeta,
  signBytes,
  verifyBytes,
  verifyResponseBody,
} from '../src/index.ts';
import { makeTestKeys } from './helpers/keys.ts';
import type { TestKeys } from './helpers/keys.ts';
import { signedBody } from './helpers/platform.ts';

let keys: TestKeys;
before(() => {
  keys = makeTestKeys();
});
after(() => keys.cleanup());

test('signBytes produces a SHA256withRSA signature over the UTF-8 bytes', () => {
  const body = '{"order_summary":"中文 summary","amount":{"total":"100.02"}}';
  const sig = signBytes(body, keys.merchantPrivateKey);
  assert.ok(
    verify('sha256', Buffer.from(body, 'utf8'), keys.merchantPublicKey, Buffer.from(sig, 'base64')),
    "verify('sha256', Buffer.from(body, 'utf8'), keys.merchantPublicKey, Buffer.from(sig, 'base64'))",
  );
  // Not over some other encoding of the same text.
  assert.equal(
    verify('sha256', Buffer.from(body, 'latin1'), keys.merchantPublicKey, Buffer.from(sig, 'base64')),
    false,
  );
  assert.ok(
    verifyBytes(Buffer.from(body, 'utf8'), sig, keys.merchantPublicKey),
    "verifyBytes(Buffer.from(body, 'utf8'), sig, keys.merchantPublicKey)",
  );
  assert.equal(verifyBytes(body + ' ', sig, keys.merchantPublicKey), false);
});

test('verifyBytes returns false (never throws) for garbage signatures', () => {
  for (const bad of ['', '!!!', 'AAAA', 'not base64 at all', 'A'.repeat(1000)]) {
    assert.equal(verifyBytes('x', bad, keys.merchantPublicKey), false, bad);
  }
  // Whitespace inside (76-column wrapped base64) is tolerated.
  const sig = signBytes('x', keys.merchantPrivateKey);
  assert.ok(
    verifyBytes('x', sig.slice(0, 76) + '\r\n' + sig.slice(76), keys.merchantPublicKey),
    "verifyBytes('x', sig.slice(0, 76) + '\\r\\n' + sig.slice(76), keys.merchantPublicKey)",
  );
});

test('extractSignedParts follows the wire rule', () => {
  assert.deepEqual(extractSignedParts('{"meta":{"ret_code":"0000","sign":"abc"},"payment":{"id":"P"},"links":[]}'), {
    metaText: '{"ret_code":"0000","sign":"abc"}',
    signedText: '{"payment":{"id":"P"},"links":[]}',
  });
  assert.equal(extractSignedText('{"meta":{"ret_code":"0000","sign":"abc"}}'), '{}');
  assert.equal(extractSignedText('  {"meta":{"a":"b"},"x":1}'), '{"x":1}');
  // Escaped braces in meta strings do not end the meta object early.
  assert.equal(extractSignedText('{"meta":{"ret_msg":"a\\u007db"},"x":{"y":1}}'), '{"x":{"y":1}}');
  // meta must be the FIRST member: otherwise unsigned members could be prepended.
  assert.equal(extractSignedText('{"evil":1,"meta":{"sign":"s"},"x":1}'), undefined);
  assert.equal(extractSignedText('<html>502</html>'), undefined);
  assert.equal(extractSignedText(''), undefined);
});

test('buildSignedResponseBody matches the independent test double byte for byte', () => {
  const result = { payment: { id: 'PAY_1', order: { order_summary: 'a {brace} and 中文' } } };
  // RSA PKCS#1 v1.5 signatures are deterministic, so the bodies must be identical.
  const ours = buildSignedResponseBody(result, keys.platformPrivateKey, { ret_code: '0000', ret_msg: 'ok {x}' });
  const theirs = signedBody(keys, result, '0000', 'ok {x}');
  assert.equal(ours, theirs);
  assert.equal(extractSignedText(ours), JSON.stringify(result));
  assert.equal(readMeta(ours)?.ret_msg, 'ok {x}');
});

test('verifyResponseBody accepts a genuine body and returns the signed members', () => {
  const body = signedBody(keys, { banks: [{ code: 'CCB', name_zh: '建设银行' }] });
  const platformKey = loadPublicKey(keys.platformCertPem);
  const v = verifyResponseBody(body, platformKey);
  assert.equal(v.meta.ret_code, '0000');
  assert.deepEqual(v.data, { banks: [{ code: 'CCB', name_zh: '建设银行' }] });
  // meta only: signed text is "{}"
  assert.deepEqual(verifyResponseBody(signedBody(keys, {}), platformKey).data, {});
});

test('verifyResponseBody rejects tampering, wrong certificates, missing signatures and prepended members', () => {
  const platformKey = loadPublicKey(keys.platformCertPem);
  const body = signedBody(keys, { payment: { id: 'PAY_1', state: 'WAIT_BUYER_PAY' } });
  const cases: Array<[string, string]> = [
    ['state changed', body.replace('WAIT_BUYER_PAY', 'TRADE_SUCCESS')],
    ['whitespace added', body.replace('"state":', '"state": ')],
    ['member prepended', body.replace('{"meta":', '{"x":1,"meta":')],
    ['sign removed', body.replace(/"sign":"[^"]*"/, '"sign":""')],
    ['member appended', body.slice(0, -1) + ',"extra":1}'],
  ];
  for (const [name, tampered] of cases) {
    assert.throws(() => verifyResponseBody(tampered, platformKey), UmfSignatureVerificationError, name);
  }
  const other = makeTestKeys();
  try {
    assert.throws(
      () => verifyResponseBody(body, loadPublicKey(other.platformCertPem)),
      (err: unknown) =>
        err instanceof UmfSignatureVerificationError &&
        /platformCertificate/.test(err.message) &&
        /proxy/.test(err.message),
    );
  } finally {
    other.cleanup();
  }
});

test('keys: merchant key as PKCS#8 DER, PEM string and PEM Buffer; certificate as PEM, DER, X509Certificate', () => {
  const fromDer = loadPrivateKey(keys.merchantKeyP8);
  const fromPem = loadPrivateKey(keys.merchantKeyPem);
  const fromPemBuf = loadPrivateKey(Buffer.from(keys.merchantKeyPem));
  const pkcs1Der = keys.merchantPrivateKey.export({ format: 'der', type: 'pkcs1' });
  const fromPkcs1 = loadPrivateKey(pkcs1Der);
  for (const k of [fromDer, fromPem, fromPemBuf, fromPkcs1]) {
    const sig = signBytes('hello', k);
    assert.ok(verifyBytes('hello', sig, keys.merchantPublicKey), "verifyBytes('hello', sig, keys.merchantPublicKey)");
  }
  const expected = createPublicKey(keys.platformPrivateKey).export({ format: 'der', type: 'spki' });
  for (const input of [
    keys.platformCertPem,
    keys.platformCertDer,
    Buffer.from(keys.platformCertPem),
    new X509Certificate(keys.platformCertPem),
  ]) {
    assert.deepEqual(loadPublicKey(input).export({ format: 'der', type: 'spki' }), expected);
  }
});

test('keys: helpful errors that never echo key material', () => {
  assert.throws(() => loadPrivateKey('/etc/keys/merchant.key.p8'), /not a file path/);
  assert.throws(() => loadPublicKey('./platform.crt'), /not a file path/);
  const garbage = Buffer.from('secret-looking-bytes-0123456789');
  assert.throws(
    () => loadPrivateKey(garbage),
    (err: unknown) => err instanceof TypeError && /PKCS#8/.test(err.message) && !err.message.includes('secret-looking'),
  );
  assert.throws(() => loadPublicKey(garbage), /X\.509/);
  assert.throws(() => loadPrivateKey(keys.merchantPublicKey), /PRIVATE/);
});
