import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  constants,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FieldDecryptionError, FieldDecryptor, encryptField } from '../../src/crypto/field-decryption.ts';

// One 2048-bit key for the whole file.
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const decryptor = new FieldDecryptor(privateKey);
const K = 256;

const workDir = mkdtempSync(join(tmpdir(), 'field-decryption-test-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

const CARD = '4111111111111111';
const NAME = '张伟 (ZHANG Wei)';

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Raw RSA on a hand-built encoded block (no padding added by OpenSSL). */
function rawEncrypt(key: KeyObject, block: Buffer): Buffer {
  return publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, block);
}

/** 0x00 || second || PS (psLength non-zero bytes) || 0x00 || message, total K bytes. */
function block(second: number, psLength: number, message: Buffer): Buffer {
  assert.equal(2 + psLength + 1 + message.length, K, 'block must be exactly k bytes');
  const ps = Buffer.alloc(psLength);
  for (let i = 0; i < psLength; i++) ps[i] = 1 + ((i * 37) % 255); // non-zero
  return Buffer.concat([Buffer.from([0x00, second]), ps, Buffer.from([0x00]), message]);
}

function flipByte(b64: string, index: number): string {
  const bytes = Buffer.from(b64, 'base64');
  const i = index < 0 ? bytes.length + index : index;
  bytes[i] = bytes[i]! ^ 0x01;
  return bytes.toString('base64');
}

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------

test('round trip in both modes, ASCII and UTF-8 plaintexts', () => {
  for (const mode of ['oaep', 'pkcs1'] as const) {
    for (const plaintext of [CARD, '123', '12/29', NAME, '110101199003074578']) {
      const ct = encryptField(publicKey, plaintext, mode);
      assert.equal(Buffer.from(ct, 'base64').length, K);
      assert.equal(decryptor.decrypt(ct, mode), plaintext, `${mode}: ${plaintext}`);
    }
  }
});

test('decryptBytes returns raw bytes', () => {
  const ct = Buffer.from(encryptField(publicKey, NAME, 'pkcs1'), 'base64');
  assert.deepEqual(decryptor.decryptBytes(ct, 'pkcs1'), Buffer.from(NAME, 'utf8'));
  const ct2 = Buffer.from(encryptField(publicKey, NAME, 'oaep'), 'base64');
  assert.deepEqual(decryptor.decryptBytes(ct2, 'oaep'), Buffer.from(NAME, 'utf8'));
});

// ---------------------------------------------------------------------------
// Interoperability with the openssl CLI (a non-Node implementation)
// ---------------------------------------------------------------------------

test('pkcs1: ciphertext produced by `openssl pkeyutl -encrypt` decrypts', () => {
  const pubPath = join(workDir, 'pub.pem');
  writeFileSync(pubPath, publicKey.export({ type: 'spki', format: 'pem' }));
  for (const [i, plaintext] of [CARD, NAME].entries()) {
    const inPath = join(workDir, `pkcs1-${i}.txt`);
    const outPath = join(workDir, `pkcs1-${i}.bin`);
    writeFileSync(inPath, plaintext, 'utf8');
    openssl([
      'pkeyutl',
      '-encrypt',
      '-pubin',
      '-inkey',
      pubPath,
      '-in',
      inPath,
      '-out',
      outPath,
      '-pkeyopt',
      'rsa_padding_mode:pkcs1',
    ]);
    const ct = readFileSync(outPath);
    assert.equal(ct.length, K);
    assert.equal(decryptor.decrypt(ct.toString('base64'), 'pkcs1'), plaintext);
  }
});

test('oaep: interoperates with openssl (SHA-256 + MGF1-SHA-256) in both directions', () => {
  const pubPath = join(workDir, 'pub-oaep.pem');
  const privPath = join(workDir, 'priv-oaep.pem');
  writeFileSync(pubPath, publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(privPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const oaepOpts = [
    '-pkeyopt',
    'rsa_padding_mode:oaep',
    '-pkeyopt',
    'rsa_oaep_md:sha256',
    '-pkeyopt',
    'rsa_mgf1_md:sha256',
  ];

  // openssl encrypts -> we decrypt
  const inPath = join(workDir, 'oaep.txt');
  const outPath = join(workDir, 'oaep.bin');
  writeFileSync(inPath, NAME, 'utf8');
  openssl(['pkeyutl', '-encrypt', '-pubin', '-inkey', pubPath, '-in', inPath, '-out', outPath, ...oaepOpts]);
  assert.equal(decryptor.decrypt(readFileSync(outPath).toString('base64'), 'oaep'), NAME);

  // we encrypt -> openssl decrypts (proves encryptField uses MGF1-SHA-256, not SHA-1)
  const ctPath = join(workDir, 'oaep-ours.bin');
  const ptPath = join(workDir, 'oaep-ours.txt');
  writeFileSync(ctPath, Buffer.from(encryptField(publicKey, CARD, 'oaep'), 'base64'));
  openssl(['pkeyutl', '-decrypt', '-inkey', privPath, '-in', ctPath, '-out', ptPath, ...oaepOpts]);
  assert.equal(readFileSync(ptPath, 'utf8'), CARD);
});

// ---------------------------------------------------------------------------
// Implicit rejection behaviour (pkcs1)
// ---------------------------------------------------------------------------

test('pkcs1: tampered ciphertext does not throw, is deterministic, is not the plaintext', () => {
  const ct = encryptField(publicKey, CARD, 'pkcs1');
  const outputs = new Set<string>();
  for (const index of [-1, -2, 17, 100, 200, 250, 128, 64]) {
    const tampered = flipByte(ct, index);
    const first = decryptor.decryptBytes(Buffer.from(tampered, 'base64'), 'pkcs1');
    const second = decryptor.decryptBytes(Buffer.from(tampered, 'base64'), 'pkcs1');
    assert.deepEqual(first, second, 'same input must give the same output');
    assert.ok(first.length <= K - 11);
    assert.notEqual(first.toString('utf8'), CARD);
    assert.equal(decryptor.decrypt(tampered, 'pkcs1'), first.toString('utf8'));
    outputs.add(first.toString('hex'));
  }
  // Different tampered inputs give different synthetic messages. (Two of them
  // coincide only if both synthetic lengths are 0, probability ~1/246 each.)
  assert.ok(outputs.size >= 6, `expected distinct outputs, got ${outputs.size}`);
});

test('pkcs1: OAEP ciphertext decrypted as pkcs1 yields bytes, no throw, deterministic', () => {
  const ct = encryptField(publicKey, CARD, 'oaep');
  const a = decryptor.decrypt(ct, 'pkcs1');
  const b = decryptor.decrypt(ct, 'pkcs1');
  assert.equal(a, b);
  assert.notEqual(a, CARD);
});

test('pkcs1: ciphertext for another key (wrong key) yields bytes, no throw', () => {
  const other = createPublicKey(RSA_2048_2_PEM);
  const ct = encryptField(other, CARD, 'pkcs1');
  const a = decryptor.decrypt(ct, 'pkcs1');
  assert.equal(a, decryptor.decrypt(ct, 'pkcs1'));
  assert.notEqual(a, CARD);
});

test('pkcs1: valid padding with an empty message returns an empty string', () => {
  const ct = rawEncrypt(publicKey, block(0x02, K - 3, Buffer.alloc(0)));
  assert.equal(decryptor.decrypt(ct.toString('base64'), 'pkcs1'), '');
  assert.equal(decryptor.decryptBytes(ct, 'pkcs1').length, 0);
});

test('pkcs1: hand-built blocks - accepted and rejected paddings', () => {
  // Valid: 8 bytes of PS (the minimum), longest possible message (k - 11).
  const longest = randomBytes(K - 11);
  assert.deepEqual(decryptor.decryptBytes(rawEncrypt(publicKey, block(0x02, 8, longest)), 'pkcs1'), longest);

  // Valid: a short message after a long PS.
  const m = Buffer.from(CARD, 'ascii');
  const good = rawEncrypt(publicKey, block(0x02, K - 3 - m.length, m));
  assert.deepEqual(decryptor.decryptBytes(good, 'pkcs1'), m);

  // Leading zeros of the ciphertext may be stripped (OpenSSL accepts this too).
  let stripped = good;
  while (stripped[0] === 0 && stripped.length > 1) stripped = stripped.subarray(1);
  assert.deepEqual(decryptor.decryptBytes(stripped, 'pkcs1'), m);

  // Invalid: PS of only 7 non-zero bytes.
  const m7 = randomBytes(K - 10);
  const r7 = decryptor.decryptBytes(rawEncrypt(publicKey, block(0x02, 7, m7)), 'pkcs1');
  assert.notDeepEqual(r7, m7);
  assert.notDeepEqual(r7, m7.subarray(1));
  assert.ok(r7.length <= K - 11);

  // Invalid: block type 0x01 instead of 0x02.
  const bt1 = rawEncrypt(publicKey, block(0x01, K - 3 - m.length, m));
  const r1 = decryptor.decryptBytes(bt1, 'pkcs1');
  assert.notDeepEqual(r1, m);
  assert.deepEqual(r1, decryptor.decryptBytes(bt1, 'pkcs1'));

  // Invalid: no zero separator at all.
  const noSep = Buffer.alloc(K, 0x5a);
  noSep[0] = 0x00;
  noSep[1] = 0x02;
  const rs = decryptor.decryptBytes(rawEncrypt(publicKey, noSep), 'pkcs1');
  assert.notDeepEqual(rs, noSep.subarray(2));
  assert.ok(rs.length <= K - 11);

  // Invalid: a zero inside the first 8 PS bytes (separator too early).
  const early = block(0x02, K - 3 - m.length, m);
  early[6] = 0x00;
  const re = decryptor.decryptBytes(rawEncrypt(publicKey, early), 'pkcs1');
  assert.notDeepEqual(re, early.subarray(7));
  assert.notDeepEqual(re, m);
});

test('pkcs1: ciphertext >= modulus gives a deterministic synthetic result, no throw', () => {
  const big = Buffer.alloc(K, 0xff);
  const a = decryptor.decryptBytes(big, 'pkcs1');
  assert.deepEqual(a, decryptor.decryptBytes(big, 'pkcs1'));
  assert.ok(a.length <= K - 11);
});

test('pkcs1: publicly malformed input gives the generic FieldDecryptionError', () => {
  const isGeneric = (err: unknown): boolean =>
    err instanceof FieldDecryptionError && err.message === 'field decryption failed' && err.cause === undefined;
  assert.throws(() => decryptor.decryptBytes(Buffer.alloc(K + 1, 1), 'pkcs1'), isGeneric);
  assert.throws(() => decryptor.decryptBytes(Buffer.alloc(0), 'pkcs1'), isGeneric);
  assert.throws(() => decryptor.decrypt('not base64!', 'pkcs1'), isGeneric);
  assert.throws(() => decryptor.decrypt('', 'pkcs1'), isGeneric);
  assert.throws(() => decryptor.decrypt('QR==', 'pkcs1'), isGeneric); // non-canonical trailing bits
  assert.throws(() => decryptor.decrypt('QUJDR', 'pkcs1'), isGeneric); // impossible length
});

// ---------------------------------------------------------------------------
// OAEP failures
// ---------------------------------------------------------------------------

test('oaep: tampered ciphertext throws a generic FieldDecryptionError', () => {
  const ct = encryptField(publicKey, CARD, 'oaep');
  for (const index of [-1, 20, 150]) {
    assert.throws(
      () => decryptor.decrypt(flipByte(ct, index), 'oaep'),
      (err: unknown) => {
        assert.ok(err instanceof FieldDecryptionError);
        assert.equal(err.message, 'field decryption failed');
        assert.equal(err.cause, undefined);
        // None of the OpenSSL error details Node attaches to crypto errors.
        for (const prop of ['code', 'reason', 'library', 'function', 'opensslErrorStack']) {
          assert.equal(prop in err, false, `leaks ${prop}`);
        }
        return true;
      },
    );
  }
  // A pkcs1 ciphertext in oaep mode is a failure too, with the same error.
  assert.throws(() => decryptor.decrypt(encryptField(publicKey, CARD, 'pkcs1'), 'oaep'), FieldDecryptionError);
});

test('constructor rejects non-RSA or public keys', () => {
  assert.throws(() => new FieldDecryptor(publicKey), TypeError);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  assert.throws(() => new FieldDecryptor(ec), TypeError);
});

// ---------------------------------------------------------------------------
// Known-answer tests: the implicit-rejection test vectors published with the
// draft (draft-irtf-cfrg-rsa-guidance, H. Kario; also in OpenSSL's
// test/recipes/30-test_evp_data/evppkey_rsa_common.txt). The expected outputs
// of the invalid ciphertexts are the synthetic messages OpenSSL >= 3.2
// returns, so these check KDK, PRF, length selection and message slicing.
// ---------------------------------------------------------------------------

const RSA_2048_2_PEM = `-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAyMyDlxQJjaVsqiNkD5PciZfBY3KWj8Gwxt9RE8HJTosh5IrS
KX5lQZARtObY9ec7G3iyV0ADIdHva2AtTsjOjRQclJBetK0wZjmkkgZTS25/JgdC
Ppff/RM8iNchOZ3vvH6WzNy9fzquH+iScSv7SSmBfVEWZkQKH6y3ogj16hZZEK3Y
o/LUlyAjYMy2MgJPDQcWnBkY8xb3lLFDrvVOyHUipMApePlomYC/+/ZJwwfoGBm/
+IQJY41IvZS+FStZ/2SfoL1inQ/6GBPDq/S1a9PC6lRl3/oUWJKSqdiiStJr5+4F
EHQbY4LUPIPVv6QKRmE9BivkRVF9vK8MtOGnaQIDAQABAoIBABRVAQ4PLVh2Y6Zm
pv8czbvw7dgQBkbQKgI5IpCJksStOeVWWSlybvZQjDpxFY7wtv91HTnQdYC7LS8G
MhBELQYD/1DbvXs1/iybsZpHoa+FpMJJAeAsqLWLeRmyDt8yqs+/Ua20vEthubfp
aMqk1XD3DvGNgGMiiJPkfUOe/KeTJZvPLNEIo9hojN8HjnrHmZafIznSwfUiuWlo
RimpM7quwmgWJeq4T05W9ER+nYj7mhmc9xAj4OJXsURBszyE07xnyoAx0mEmGBA6
egpAhEJi912IkM1hblH5A1SI/W4Jnej/bWWk/xGCVIB8n1jS+7qLoVHcjGi+NJyX
eiBOBMECgYEA+PWta6gokxvqRZuKP23AQdI0gkCcJXHpY/MfdIYColY3GziD7UWe
z5cFJkWe3RbgVSL1pF2UdRsuwtrycsf4gWpSwA0YCAFxY02omdeXMiL1G5N2MFSG
lqn32MJKWUl8HvzUVc+5fuhtK200lyszL9owPwSZm062tcwLsz53Yd0CgYEAznou
O0mpC5YzChLcaCvfvfuujdbcA7YUeu+9V1dD8PbaTYYjUGG3Gv2crS00Al5WrIaw
93Q+s14ay8ojeJVCRGW3Bu0iF15XGMjHC2cD6o9rUQ+UW+SOWja7PDyRcytYnfwF
1y2AkDGURSvaITSGR+xylD8RqEbmL66+jrU2sP0CgYB2/hXxiuI5zfHfa0RcpLxr
uWjXiMIZM6T13NKAAz1nEgYswIpt8gTB+9C+RjB0Q+bdSmRWN1Qp1OA4yiVvrxyb
3pHGsXt2+BmV+RxIy768e/DjSUwINZ5OjNalh9e5bWIh/X4PtcVXXwgu5XdpeYBx
sru0oyI4FRtHMUu2VHkDEQKBgQCZiEiwVUmaEAnLx9KUs2sf/fICDm5zZAU+lN4a
AA3JNAWH9+JydvaM32CNdTtjN3sDtvQITSwCfEs4lgpiM7qe2XOLdvEOp1vkVgeL
9wH2fMaz8/3BhuZDNsdrNy6AkQ7ICwrcwj0C+5rhBIaigkgHW06n5W3fzziC5FFW
FHGikQKBgGQ790ZCn32DZnoGUwITR++/wF5jUfghqd67YODszeUAWtnp7DHlWPfp
LCkyjnRWnXzvfHTKvCs1XtQBoaCRS048uwZITlgZYFEWntFMqi76bqBE4FTSYUTM
FinFUBBVigThM/RLfCRNrCW/kTxXuJDuSfVIJZzWNAT+9oWdz5da
-----END RSA PRIVATE KEY-----
`;

/** 2049-bit modulus: k = 257 with a leading 0x01 byte in n. */
const RSA_2049_PEM = `-----BEGIN RSA PRIVATE KEY-----
MIIEpQIBAAKCAQEBVfiJVWoXdfHHp3hqULGLwoyemG7eVmfKs5uEEk6Q66dcHbCD
rD5EO7qU3CNWD3XjqBaToqQ73HQm2MTq/mjIXeD+dX9uSbue1EfmAkMIANuwTOsi
5/pXoY0zj7ZgJs20Z+cMwEDn02fvQDx78ePfYkZQCUYx8h6v0vtbyRX/BDeazRES
9zLAtGYHwXjTiiD1LtpQny+cBAXVEGnoDM+UFVTQRwRnUFw89UHqCJffyfQAzssp
j/x1M3LZ9pM68XTMQO2W1GcDFzO5f4zd0/krw6A+qFdsQX8kAHteT3UBEFtUTen6
3N/635jftLsFuBmfP4Ws/ZH3qaCUuaOD9QSQlwIDAQABAoIBAQEZwrP1CnrWFSZ5
1/9RCVisLYym8AKFkvMy1VoWc2F4qOZ/F+cFzjAOPodUclEAYBP5dNCj20nvNEyl
omo0wEUHBNDkIuDOI6aUJcFf77bybhBu7/ZMyLnXRC5NpOjIUAjq6zZYWaIpT6OT
e8Jr5WMy59geLBYO9jXMUoqnvlXmM6cj28Hha6KeUrKa7y+eVlT9wGZrsPwlSsvo
DmOHTw9fAgeC48nc/CUg0MnEp7Y05FA/u0k+Gq/us/iL16EzmHJdrm/jmed1zV1M
8J/IODR8TJjasaSIPM5iBRNhWvqhCmM2jm17ed9BZqsWJznvUVpEAu4eBgHFpVvH
HfDjDt+BAoGBAYj2k2DwHhjZot4pUlPSUsMeRHbOpf97+EE99/3jVlI83JdoBfhP
wN3sdw3wbO0GXIETSHVLNGrxaXVod/07PVaGgsh4fQsxTvasZ9ZegTM5i2Kgg8D4
dlxa1A1agfm73OJSftfpUAjLECnLTKvR+em+38KGyWVSJV2n6rGSF473AoGBAN7H
zxHa3oOkxD0vgBl/If1dRv1XtDH0T+gaHeN/agkf/ARk7ZcdyFCINa3mzF9Wbzll
YTqLNnmMkubiP1LvkH6VZ+NBvrxTNxiWJfu+qx87ez+S/7JoHm71p4SowtePfC2J
qqok0s7b0GaBz+ZcNse/o8W6E1FiIi71wukUyYNhAoGAEgk/OnPK7dkPYKME5FQC
+HGrMsjJVbCa9GOjvkNw8tVYSpq7q2n9sDHqRPmEBl0EYehAqyGIhmAONxVUbIsL
ha0m04y0MI9S0H+ZRH2R8IfzndNAONsuk46XrQU6cfvtZ3Xh3IcY5U5sr35lRn2c
ut3H52XIWJ4smN/cJcpOyoECgYEAjM5hNHnPlgj392wkXPkbtJXWHp3mSISQVLTd
G0MW8/mBQg3AlXi/eRb+RpHPrppk5jQLhgMjRSPyXXe2amb8PuWTqfGN6l32PtX3
3+udILpppb71Wf+w7JTbcl9v9uq7o9SVR8DKdPA+AeweSQ0TmqCnlHuNZizOSjwP
G16GF0ECgYEA+ZWbNMS8qM5IiHgbMbHptdit9dDT4+1UXoNn0/hUW6ZEMriHMDXv
iBwrzeANGAn5LEDYeDe1xPms9Is2uNxTpZVhpFZSNALR6Po68wDlTJG2PmzuBv5t
5mbzkpWCoD4fRU53ifsHgaTW+7Um74gWIf0erNIUZuTN2YrtEPTnb3k=
-----END RSA PRIVATE KEY-----
`;

interface Vector {
  name: string;
  ciphertext: string;
  /** Expected output, hex. */
  plaintext: string;
}

const hexOf = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

const VECTORS_2048: Vector[] = [
  {
    name: 'random positive test case',
    ciphertext:
      '8bfe264e85d3bdeaa6b8851b8e3b956ee3d226fd3f69063a86880173a273d9f283b2eebdd1ed35f7e02d91c571981b6737d532' +
      '0bd8396b0f3ad5b019daec1b0aab3cbbc026395f4fd14f13673f2dfc81f9b660ec26ac381e6db3299b4e460b43fab9955df2b3c' +
      'faa20e900e19c856238fd371899c2bf2ce8c868b76754e5db3b036533fd603746be13c10d4e3e6022ebc905d20c2a7f32b215a4' +
      'cd53b3f44ca1c327d2c2b651145821c08396c89071f665349c25e44d2733cd9305985ceef6430c3cf57af5fa224089221218fa3' +
      '4737c79c446d28a94c41c96e4e92ac53fbcf384dea8419ea089f8784445a492c812eb0d409467f75afd7d4d1078886205a066',
    plaintext: hexOf('lorem ipsum dolor sit amet'),
  },
  {
    name: 'random negative test case decrypting to empty',
    ciphertext:
      '20aaa8adbbc593a924ba1c5c7990b5c2242ae4b99d0fe636a19a4cf754edbcee774e472fe028160ed42634f8864900cb514006' +
      'da642cae6ae8c7d087caebcfa6dad1551301e130344989a1d462d4164505f6393933450c67bc6d39d8f5160907cabc251b73792' +
      '5a1cf21e5c6aa5781b7769f6a2a583d97cce008c0f8b6add5f0b2bd80bee60237aa39bb20719fe75749f4bc4e42466ef5a861ae' +
      '3a92395c7d858d430bfe38040f445ea93fa2958b503539800ffa5ce5f8cf51fa8171a91f36cb4f4575e8de6b4d3f096ee140b93' +
      '8fd2f50ee13f0d050222e2a72b0a3069ff3a6738e82c87090caa5aed4fcbe882c49646aa250b98f12f83c8d528113614a29e7',
    plaintext: '',
  },
  {
    name: 'invalid decrypting to max length message',
    ciphertext:
      '48cceab10f39a4db32f60074feea473cbcdb7accf92e150417f76b44756b190e843e79ec12aa85083a21f5437e7bad0a60482e' +
      '601198f9d86923239c8786ee728285afd0937f7dde12717f28389843d7375912b07b991f4fdb0190fced8ba665314367e8c5f9d' +
      '2981d0f5128feeb46cb50fc237e64438a86df198dd0209364ae3a842d77532b66b7ef263b83b1541ed671b120dfd660462e2107' +
      'a4ee7b964e734a7bd68d90dda61770658a3c242948532da32648687e0318286473f675b412d6468f013f14d760a358dfcad3cda' +
      '2afeec5e268a37d250c37f722f468a70dfd92d7294c3c1ee1e7f8843b7d16f9f37ef35748c3ae93aa155cdcdfeb4e78567303',
    plaintext:
      '22d850137b9eebe092b24f602dc5bb7918c16bd89ddbf20467b119d205f9c2e4bd7d2592cf1e532106e0f33557565923c73a02' +
      'd4f09c0c22bea89148183e60317f7028b3aa1f261f91c979393101d7e15f4067e63979b32751658ef769610fe97cf9cef3278b3' +
      '117d384051c3b1d82c251c2305418c8f6840530e631aad63e70e20e025bcd8efb54c92ec6d3b106a2f8e64eeff7d38495b0fc50' +
      'c97138af4b1c0a67a1c4e27b077b8439332edfa8608dfeae653cd6a628ac550395f7e74390e42c11682234870925eeaa1fa71b7' +
      '6cf1f2ee3bda69f6717033ff8b7c95c9799e7a3bea5e7e4a1c359772fb6b1c6e6c516661dfe30c3',
  },
  {
    name: 'invalid, length from the second to last PRF value',
    ciphertext:
      '1439e08c3f84c1a7fec74ce07614b20e01f6fa4e8c2a6cffdc3520d8889e5d9a950c6425798f85d4be38d300ea5695f13ecd4c' +
      'b389d1ff5b82484b494d6280ab7fa78e645933981cb934cce8bfcd114cc0e6811eefa47aae20af638a1cd163d2d3366186d0a07' +
      'df0c81f6c9f3171cf3561472e98a6006bf75ddb457bed036dcce199369de7d94ef2c68e8467ee0604eea2b3009479162a7891ba' +
      '5c40cab17f49e1c438cb6eaea4f76ce23cce0e483ff0e96fa790ea15be67671814342d0a23f4a20262b6182e72f3a67cd289711' +
      '503c85516a9ed225422f98b116f1ab080a80abd6f0216df88d8cfd67c139243be8dd78502a7aaf6bc99d7da71bcdf627e7354',
    plaintext: '0f9b',
  },
  {
    name: 'invalid, length from the third to last PRF value',
    ciphertext:
      '1690ebcceece2ce024f382e467cf8510e74514120937978576caf684d4a02ad569e8d76cbe365a060e00779de2f0865ccf0d92' +
      '3de3b4783a4e2c74f422e2f326086c390b658ba47f31ab013aa80f468c71256e5fa5679b24e83cd82c3d1e05e398208155de221' +
      '2993cd2b8bab6987cf4cc1293f19909219439d74127545e9ed8a706961b8ee2119f6bfacafbef91b75a789ba65b8b833bc6149c' +
      'f49b5c4d2c6359f62808659ba6541e1cd24bf7f7410486b5103f6c0ea29334ea6f4975b17387474fe920710ea61568d7b7c0a79' +
      '16acf21665ad5a31c4eabcde44f8fb6120d8457afa1f3c85d517cda364af620113ae5a3c52a048821731922737307f77a1081',
    plaintext: '4f02',
  },
  {
    name: 'positive, 11 bytes, zero-truncated ciphertext',
    ciphertext:
      'a2e8f114ea8d05d12dc843e3cc3b2edc8229ff2a028bda29ba9d55e3cd02911902fef1f42a075bf05e8016e8567213d6f260fa' +
      '49e360779dd81aeea3e04c2cb567e0d72b98bf754014561b7511e083d20e0bfb9cd23f8a0d3c88900c49d2fcd5843ff0765607b' +
      '2026f28202a87aa94678aed22a0c20724541394cd8f44e373eba1d2bae98f516c1e2ba3d86852d064f856b1daf24795e767a2b9' +
      '0396e50743e3150664afab131fe40ea405dcf572dd1079af1d3f0392ccadcca0a12740dbb213b925ca2a06b1bc1383e83a658c8' +
      '2ba2e7427342379084d5f66b544579f07664cb26edd4f10fd913fdbc0de05ef887d4d1ec1ac95652397ea7fd4e4759fda8b',
    plaintext: hexOf('lorem ipsum'),
  },
  {
    name: 'random negative test generating an 11 byte message',
    ciphertext:
      '5f02f4b1f46935c742ebe62b6f05aa0a3286aab91a49b34780adde6410ab46f7386e05748331864ac98e1da63686e4babe3a19' +
      'ed40a7f5ceefb89179596aab07ab1015e03b8f825084dab028b6731288f2e511a4b314b6ea3997d2e8fe2825cef8897cbbdfb6c' +
      '939d441d6e04948414bb69e682927ef8576c9a7090d4aad0e74c520d6d5ce63a154720f00b76de8cc550b1aa14f016d63a7b6d6' +
      'eaa1f7dbe9e50200d3159b3d099c900116bf4eba3b94204f18b1317b07529751abf64a26b0a0bf1c8ce757333b3d673211b67cc' +
      '0653f2fe2620d57c8b6ee574a0323a167eab1106d9bc7fd90d415be5f1e9891a0e6c709f4fc0404e8226f8477b4e939b36eb2',
    plaintext: 'af9ac70191c92413cb9f2d',
  },
  {
    name: 'correct plaintext but first byte 0x01',
    ciphertext:
      '9b2ec9c0c917c98f1ad3d0119aec6be51ae3106e9af1914d48600ab6a2c0c0c8ae02a2dc3039906ff3aac904af32ec798fd65f' +
      '3ad1afa2e69400e7c1de81f5728f3b3291f38263bc7a90a0563e43ce7a0d4ee9c0d8a716621ca5d3d081188769ce1b131af7d35' +
      'b13dea99153579c86db31fe07d5a2c14d621b77854e48a8df41b5798563af489a291e417b6a334c63222627376118c02c53b6e8' +
      '6310f728734ffc86ef9d7c8bf56c0c841b24b82b59f51aee4526ba1c4268506d301e4ebc498c6aebb6fd5258c876bf900bac8ca' +
      '4d309dd522f6a6343599a8bc3760f422c10c72d0ad527ce4af1874124ace3d99bb74db8d69d2528db22c3a37644640f95c05f',
    plaintext: 'a1f8c9255c35cfba403ccc',
  },
  {
    name: 'correct plaintext but second byte 0x01',
    ciphertext:
      '782c2b59a21a511243820acedd567c136f6d3090c115232a82a5efb0b178285f55b5ec2d2bac96bf00d6592ea7cdc3341610c8' +
      'fb07e527e5e2d20cfaf2c7f23e375431f45e998929a02f25fd95354c33838090bca838502259e92d86d568bc2cdb132fab2a399' +
      '593ca60a015dc2bb1afcd64fef8a3834e17e5358d822980dc446e845b3ab4702b1ee41fe5db716d92348d5091c15d35a110555a' +
      '35deb4650a5a1d2c98025d42d4544f8b32aa6a5e02dc02deaed9a7313b73b49b0d4772a3768b0ea0db5846ace6569cae677bf67' +
      'fb0acf3c255dc01ec8400c963b6e49b1067728b4e563d7e1e1515664347b92ee64db7efb5452357a02fff7fcb7437abc2e579',
    plaintext: 'e6d700309ca0ed62452254',
  },
  {
    name: 'invalid ciphertext with a zero first byte',
    ciphertext:
      '0096136621faf36d5290b16bd26295de27f895d1faa51c800dafce73d001d60796cd4e2ac3fa2162131d859cd9da5a0c8a4228' +
      '1d9a63e5f353971b72e36b5722e4ac444d77f892a5443deb3dca49fa732fe855727196e23c26eeac55eeced8267a209ebc0f92f' +
      '4656d64a6c13f7f7ce544ebeb0f668fe3a6c0f189e4bcd5ea12b73cf63e0c8350ee130dd62f01e5c97a1e13f52fde96a9a1bc99' +
      '36ce734fdd61f27b18216f1d6de87f49cf4f2ea821fb8efd1f92cdad529baf7e31aff9bff4074f2cad2b4243dd15a711adcf7de' +
      '900851fbd6bcb53dac399d7c880531d06f25f7002e1aaf1722765865d2c2b902c7736acd27bc6cbd3e38b560e2eecf7d4b576',
    plaintext: 'ba27b1842e7c21c0e7ef6a',
  },
  {
    name: 'same, with the zero first byte removed (KDK must use the k-byte padded ciphertext)',
    ciphertext:
      '96136621faf36d5290b16bd26295de27f895d1faa51c800dafce73d001d60796cd4e2ac3fa2162131d859cd9da5a0c8a42281d' +
      '9a63e5f353971b72e36b5722e4ac444d77f892a5443deb3dca49fa732fe855727196e23c26eeac55eeced8267a209ebc0f92f46' +
      '56d64a6c13f7f7ce544ebeb0f668fe3a6c0f189e4bcd5ea12b73cf63e0c8350ee130dd62f01e5c97a1e13f52fde96a9a1bc9936' +
      'ce734fdd61f27b18216f1d6de87f49cf4f2ea821fb8efd1f92cdad529baf7e31aff9bff4074f2cad2b4243dd15a711adcf7de90' +
      '0851fbd6bcb53dac399d7c880531d06f25f7002e1aaf1722765865d2c2b902c7736acd27bc6cbd3e38b560e2eecf7d4b576',
    plaintext: 'ba27b1842e7c21c0e7ef6a',
  },
  {
    name: 'otherwise valid padding but a zero byte at the eighth byte of PS',
    ciphertext:
      'a7a340675a82c30e22219a55bc07cdf36d47d01834c1834f917f18b517419ce9de2a96460e745024436470ed85e94297b28353' +
      '7d52189c406a3f533cb405cc6a9dba46b482ce98b6e3dd52d8fce2237425617e38c11fbc46b61897ef200d01e4f25f5f6c4c5b3' +
      '8cd0de38ba11908b86595a8036a08a42a3d05b79600a97ac18ba368a08d6cf6ccb624f6e8002afc75599fba4de3d4f3ba7d2083' +
      '91ebe8d21f8282b18e2c10869eb2702e68f9176b42b0ddc9d763f0c86ba0ff92c957aaeab76d9ab8da52ea297ec11d92d770146' +
      'faa1b300e0f91ef969b53e7d2907ffc984e9a9c9d11fb7d6cba91972059b46506b035efec6575c46d7114a6b935864858445f',
    plaintext: '63cb0bf65fc8255dd29e17',
  },
  {
    name: 'otherwise valid plaintext with missing separator byte',
    ciphertext:
      '3d1b97e7aa34eaf1f4fc171ceb11dcfffd9a46a5b6961205b10b302818c1fcc9f4ec78bf18ea0cee7e9fa5b16fb4c611463b36' +
      '8b3312ac11cf9c06b7cf72b54e284848a508d3f02328c62c2999d0fb60929f81783c7a256891bc2ff4d91df2af96a24fc5701a1' +
      '823af939ce6dbdc510608e3d41eec172ad2d51b9fc61b4217c923cadcf5bac321355ef8be5e5f090cdc2bd0c697d9058247db3a' +
      'd613fdce87d2955a6d1c948a5160f93da21f731d74137f5d1f53a1923adb513d2e6e1589d44cc079f4c6ddd471d38ac82d20d8b' +
      '1d21f8d65f3b6907086809f4123e08d86fb38729585de026a485d8f0e703fd4772f6668febf67df947b82195fa3867e3a3065',
    plaintext: '6f09a0b62699337c497b0b',
  },
];

const VECTORS_2049: Vector[] = [
  {
    name: 'malformed, length from the third to last PRF value',
    ciphertext:
      '00b26f6404b82649629f2704494282443776929122e279a9cf30b0c6fe8122a0a9042870d97cc8ef65490fe58f031eb2442352' +
      '191f5fbc311026b5147d32df914599f38b825ebb824af0d63f2d541a245c5775d1c4b78630e4996cc5fe413d38455a776cf4edc' +
      'c0aa7fccb31c584d60502ed2b77398f536e137ff7ba6430e9258e21c2db5b82f5380f566876110ac4c759178900fbad7ab70ea0' +
      '7b1daf7a1639cbb4196543a6cbe8271f35dddb8120304f6eef83059e1c5c5678710f904a6d760c4d1d8ad076be17904b9e69910' +
      '040b47914a0176fb7eea0c06444a6c4b86d674d19a556a1de5490373cb01ce31bbd15a5633362d3d2cd7d4af1b4c5121288b894',
    plaintext: '42',
  },
  {
    name: 'simple positive test case',
    ciphertext:
      '013300edbf0bb3571e59889f7ed76970bf6d57e1c89bbb6d1c3991d9df8e65ed54b556d928da7d768facb395bbcc81e9f8573b' +
      '45cf8195dbd85d83a59281cddf4163aec11b53b4140053e3bd109f787a7c3cec31d535af1f50e0598d85d96d91ea01913d07097' +
      'd25af99c67464ebf2bb396fb28a9233e56f31f7e105d71a23e9ef3b736d1e80e713d1691713df97334779552fc94b40dd733c72' +
      '51bc522b673d3ec9354af3dd4ad44fa71c0662213a57ada1d75149697d0eb55c053aaed5ffd0b815832f454179519d3736fb4fa' +
      'f808416071db0d0f801aca8548311ee708c131f4be658b15f6b54256872c2903ac708bd43b017b073b5707bc84c2cd9da70e967',
    plaintext: hexOf('lorem ipsum'),
  },
  {
    name: 'random negative test case generating an 11 byte message',
    ciphertext:
      '00f910200830fc8fff478e99e145f1474b312e2512d0f90b8cef77f8001d09861688c156d1cbaf8a8957f7ebf35f724466952d' +
      '0524cad48aad4fba1e45ce8ea27e8f3ba44131b7831b62d60c0762661f4c1d1a88cd06263a259abf1ba9e6b0b172069afb86a7e' +
      '88387726f8ab3adb30bfd6b3f6be6d85d5dfd044e7ef052395474a9cbb1c3667a92780b43a22693015af6c513041bdaf87d43b2' +
      '4ddd244e791eeaea1066e1f4917117b3a468e22e0f7358852bb981248de4d720add2d15dccba6280355935b67c96f9dcb6c419c' +
      'c38ab9f6fba2d649ef2066e0c34c9f788ae49babd9025fa85b21113e56ce4f43aa134c512b030dd7ac7ce82e76f0be9ce09ebca',
    plaintext: '1189b6f5498fd6df532b00',
  },
];

for (const [label, pem, vectors] of [
  ['2048-bit', RSA_2048_2_PEM, VECTORS_2048],
  ['2049-bit', RSA_2049_PEM, VECTORS_2049],
] as const) {
  test(`pkcs1 known-answer vectors (${label} key)`, () => {
    const kat = new FieldDecryptor(createPrivateKey(pem));
    for (const v of vectors) {
      const out = kat.decryptBytes(Buffer.from(v.ciphertext, 'hex'), 'pkcs1');
      assert.equal(out.toString('hex'), v.plaintext, v.name);
    }
  });
}

// ---------------------------------------------------------------------------
// Differential test against a plain, branchy transcription of the draft. It
// covers what the published vectors cannot: a key whose private exponent d is
// shorter than the modulus (d must be left-padded to k bytes before hashing).
// ---------------------------------------------------------------------------

/** 512-bit key whose d is 63 bytes (k = 64). Test-only, deliberately weak. */
const SHORT_D_PEM = `-----BEGIN RSA PRIVATE KEY-----
MIIBOQIBAAJBAMOnBKNZRy8mdTR5d6ycE+UChX50+tMBaZTSpItwZDyfqoD12pev
JMRxvzaCx+x9tC5gwrwuhu7lONW5ZvvHr98CAwEAAQI/ENBJlcAWXfbwG5JUtoCz
NPsCfduPspJsgF2ZxmHiO1NW20pH3y/jSP6WmvzM8b84MbjikQFGpUA+t1Yo+W0x
AiEA41EpOtgZJdzDqO3f1I+HT8lYeXNR65iwT6OW9/GsElMCIQDcVwU1It6cUcbV
Hwb0KAvCK4ddMt5w27YvZYyZ96VSxQIgYg1HOI+wQUm5yCtbSkfi+QKDvFeG9ZX2
L1QEMc04COsCIQC3RQ5IzzMYFJDsjb0r8e8t1yTlaT1J5AYaUD3thuWU/QIgbrB0
GcFSnu+w59h1pFzCKjGCh6lfwUMbAo8y0WpeK8M=
-----END RSA PRIVATE KEY-----
`;

function referenceDecrypt(key: KeyObject, ciphertext: Buffer): Buffer {
  const k = Math.ceil(key.asymmetricKeyDetails!.modulusLength! / 8);
  const pad = (b: Buffer): Buffer => Buffer.concat([Buffer.alloc(k - b.length), b]);
  const c = pad(ciphertext);
  const d = pad(Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url'));
  const kdk = createHmac('sha256', createHash('sha256').update(d).digest()).update(c).digest();
  const prf = (label: string, bits: number): Buffer => {
    const parts: Buffer[] = [];
    for (let i = 0; parts.length * 32 < bits / 8; i++) {
      const head = Buffer.alloc(2);
      head.writeUInt16BE(i);
      const tail = Buffer.alloc(2);
      tail.writeUInt16BE(bits);
      parts.push(
        createHmac('sha256', kdk)
          .update(Buffer.concat([head, Buffer.from(label), tail]))
          .digest(),
      );
    }
    return Buffer.concat(parts).subarray(0, bits / 8);
  };
  const message = prf('message', k * 8);
  const lengths = prf('length', 128 * 16);
  let mask = 1;
  while (mask < k - 10) mask = mask * 2 + 1;
  let syntheticLength = 0;
  for (let i = 0; i < 128; i++) {
    const candidate = lengths.readUInt16BE(2 * i) & mask;
    if (candidate <= k - 11) syntheticLength = candidate;
  }
  let em: Buffer | undefined;
  try {
    em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, c);
  } catch {
    em = undefined;
  }
  if (em !== undefined && em[0] === 0 && em[1] === 2) {
    const separator = em.indexOf(0, 2);
    if (separator >= 10) return Buffer.from(em.subarray(separator + 1));
  }
  return Buffer.from(message.subarray(k - syntheticLength));
}

test('pkcs1 matches a straightforward transcription of the draft (incl. short d)', () => {
  const shortKey = createPrivateKey(SHORT_D_PEM);
  assert.equal(
    Buffer.from(shortKey.export({ format: 'jwk' }).d!, 'base64url').length,
    63,
    'fixture must have a short d',
  );
  for (const [key, pub] of [
    [shortKey, createPublicKey(shortKey)],
    [privateKey, publicKey],
  ] as const) {
    const dec = new FieldDecryptor(key);
    const k = Math.ceil(key.asymmetricKeyDetails!.modulusLength! / 8);
    const inputs: Buffer[] = [];
    for (let i = 0; i < 40; i++) inputs.push(randomBytes(k)); // mostly bad padding, ~half >= n
    for (let i = 0; i < 5; i++) inputs.push(randomBytes(k - 1 - i)); // short ciphertexts
    for (const p of ['4111111111111111', '', 'x']) {
      inputs.push(Buffer.from(encryptField(pub, p, 'pkcs1'), 'base64'));
    }
    for (const input of inputs) {
      assert.equal(
        dec.decryptBytes(input, 'pkcs1').toString('hex'),
        referenceDecrypt(key, input).toString('hex'),
        input.toString('hex'),
      );
    }
  }
});
