import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { constants, privateDecrypt } from 'node:crypto';
import { encryptCard, encryptField, encryptPayerInfo, loadPublicKey } from '../src/index.ts';
import type { KeyObject } from 'node:crypto';
import { makeTestKeys, opensslDecrypt } from './helpers/keys.ts';
import type { TestKeys } from './helpers/keys.ts';

let keys: TestKeys;
let platformKey: KeyObject;
before(() => {
  keys = makeTestKeys();
  platformKey = loadPublicKey(keys.platformCertPem);
});
after(() => keys.cleanup());

const oaepDecrypt = (k: TestKeys, b64: string): string =>
  privateDecrypt(
    { key: k.platformPrivateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    Buffer.from(b64, 'base64'),
  ).toString('utf8');

test('oaep: round trip with privateDecrypt (OAEP, SHA-256), UTF-8 preserved, randomised', () => {
  const ct = encryptField('张三 Zhang', platformKey, 'oaep');
  assert.equal(Buffer.from(ct, 'base64').length, 256);
  assert.equal(oaepDecrypt(keys, ct), '张三 Zhang');
  assert.notEqual(encryptField('张三 Zhang', platformKey, 'oaep'), ct, 'OAEP is randomised');
  // Also with the openssl CLI, to be sure the hash is SHA-256 for both OAEP and MGF1.
  assert.equal(opensslDecrypt(keys, ct, 'oaep'), '张三 Zhang');
});

test('oaep: is the default mode', () => {
  assert.equal(oaepDecrypt(keys, encryptField('6217000010045997833', platformKey)), '6217000010045997833');
});

test('pkcs1: round trip via openssl pkeyutl -decrypt (Node 20 refuses PKCS#1 v1.5 private decryption)', () => {
  const ct = encryptField('6217000010045997833', platformKey, 'pkcs1');
  assert.equal(opensslDecrypt(keys, ct, 'pkcs1'), '6217000010045997833');
  // It really is PKCS#1 v1.5, not OAEP.
  assert.throws(() => oaepDecrypt(keys, ct));
  assert.throws(() => opensslDecrypt(keys, ct, 'oaep'));
});

test('encryptCard encrypts exactly the sensitive fields; phone and id type stay in clear', () => {
  const wire = encryptCard(
    {
      number: '6217 0000 1004 5997 833',
      validDate: '3012',
      cvv2: '123',
      holderName: 'Test Holder',
      citizenIdNumber: '110101199001011234',
      phone: '13800000000',
    },
    platformKey,
    'oaep',
  );
  assert.deepEqual(Object.keys(wire).sort(), [
    'citizen_id_number',
    'citizen_id_type',
    'cvv2',
    'number',
    'payer_name',
    'phone',
    'valid_date',
  ]);
  assert.equal(wire.phone, '13800000000');
  assert.equal(wire.citizen_id_type, 'IDENTITY_CARD');
  assert.equal(oaepDecrypt(keys, wire.number!), '6217000010045997833', 'spaces stripped from the number');
  assert.equal(oaepDecrypt(keys, wire.valid_date!), '3012');
  assert.equal(oaepDecrypt(keys, wire.cvv2!), '123');
  assert.equal(oaepDecrypt(keys, wire.payer_name!), 'Test Holder');
  assert.equal(oaepDecrypt(keys, wire.citizen_id_number!), '110101199001011234');
  // Debit cards: no expiry/cvv2 -> not sent.
  const debit = encryptCard(
    { number: '6217580100004222451', holderName: 'X', citizenIdNumber: '1', phone: '2' },
    platformKey,
    'pkcs1',
  );
  assert.equal('cvv2' in debit, false);
  assert.equal('valid_date' in debit, false);
  assert.equal(opensslDecrypt(keys, debit.number!, 'pkcs1'), '6217580100004222451');
  assert.throws(
    () => encryptCard({ number: '', holderName: 'X', citizenIdNumber: '1', phone: '2' }, platformKey, 'oaep'),
    /card\.number/,
  );
});

test('encryptPayerInfo: name and nested sensitive fields encrypted, agreement and phone in clear', () => {
  const out = encryptPayerInfo(
    {
      phone: '13800000000',
      name: 'Payer Name',
      bank_card: { number: '6217000010045997833', phone: '13800000000' },
      payer_agreement: { usr_busi_agreement_id: 'UB1', usr_pay_agreement_id: 'P1' },
    },
    platformKey,
    'oaep',
  ) as Record<string, any>;
  assert.equal(out.phone, '13800000000');
  assert.equal(oaepDecrypt(keys, out.name), 'Payer Name');
  assert.equal(oaepDecrypt(keys, out.bank_card.number), '6217000010045997833');
  assert.equal(out.bank_card.phone, '13800000000');
  assert.deepEqual(out.payer_agreement, { usr_busi_agreement_id: 'UB1', usr_pay_agreement_id: 'P1' });
});

test('errors never contain the plaintext', () => {
  const secret = '4111111111111111'.repeat(20); // too long for one RSA block
  assert.throws(
    () => encryptField(secret, platformKey, 'oaep'),
    (err: unknown) => err instanceof TypeError && !err.message.includes('4111111111111111'),
  );
  assert.throws(() => encryptField('x', platformKey, 'rsa' as never), /'oaep' or 'pkcs1'/);
});
