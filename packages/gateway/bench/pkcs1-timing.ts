/**
 * Coarse timing comparison of PKCS#1 v1.5 field decryption (implicit
 * rejection) for valid vs invalid paddings.
 *
 *   node --import tsx packages/gateway/bench/pkcs1-timing.ts [count]
 *
 * Decrypts `count` (default 2000) valid and `count` invalid ciphertexts,
 * interleaved in one shuffled sequence so drift, GC and CPU frequency
 * changes hit both groups alike, and prints mean and p50 in microseconds.
 * This is a sanity figure, not a proof of constant time: a real leakage
 * assessment needs many more samples and statistical tests (e.g. the
 * tlsfuzzer/marvin-toolkit methodology).
 */
import { generateKeyPairSync } from 'node:crypto';

import { FieldDecryptor, encryptField } from '../src/crypto/field-decryption.ts';

const count = Number(process.argv[2] ?? 2000);
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const decryptor = new FieldDecryptor(privateKey);

function cardNumber(i: number): string {
  return `4${String(i).padStart(15, '0')}`;
}

const valid: Buffer[] = [];
const invalid: Buffer[] = [];
for (let i = 0; i < count; i++) {
  valid.push(Buffer.from(encryptField(publicKey, cardNumber(i), 'pkcs1'), 'base64'));
  // Tampered valid ciphertext: decrypts to a random block, i.e. bad padding
  // (a valid-looking padding has probability < 2^-16; it still exercises the
  // same code path either way).
  const bad = Buffer.from(encryptField(publicKey, cardNumber(i), 'pkcs1'), 'base64');
  bad[bad.length - 1] = bad[bad.length - 1]! ^ 0x01;
  invalid.push(bad);
}

// Warm-up (JIT, OpenSSL blinding setup).
for (let i = 0; i < 200; i++) {
  decryptor.decryptBytes(valid[i % count]!, 'pkcs1');
  decryptor.decryptBytes(invalid[i % count]!, 'pkcs1');
}

const validTimes: number[] = [];
const invalidTimes: number[] = [];
let sink = 0;

// Interleave by measuring ONE list holding both groups in a shuffled order
// (fixed-seed xorshift, so runs are comparable); only the label tells which
// group a sample belongs to. Fixed pairs (valid, invalid, valid, ...) showed a
// ~25 us mean bias for whichever array was "first" even when both groups held
// invalid ciphertexts, i.e. a harness artifact, not a padding effect.
const jobs: { ciphertext: Buffer; into: number[] }[] = [];
for (let i = 0; i < count; i++) {
  jobs.push({ ciphertext: valid[i]!, into: validTimes });
  jobs.push({ ciphertext: invalid[i]!, into: invalidTimes });
}
let seed = 0x9e3779b9;
function random(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
}
for (let i = jobs.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!];
}
for (const job of jobs) {
  const t0 = process.hrtime.bigint();
  sink += decryptor.decryptBytes(job.ciphertext, 'pkcs1').length;
  job.into.push(Number(process.hrtime.bigint() - t0) / 1000);
}

function summary(times: number[]): { mean: number; p50: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const mid = sorted.length >> 1;
  const p50 = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { mean, p50 };
}

const v = summary(validTimes);
const x = summary(invalidTimes);
console.log(`pkcs1 implicit-rejection decrypt, RSA-2048, ${count} + ${count} interleaved (node ${process.version})`);
console.log(`valid padding:   mean ${v.mean.toFixed(1)} us   p50 ${v.p50.toFixed(1)} us`);
console.log(`invalid padding: mean ${x.mean.toFixed(1)} us   p50 ${x.p50.toFixed(1)} us`);
console.log(
  `difference (invalid - valid): mean ${(x.mean - v.mean).toFixed(1)} us   p50 ${(x.p50 - v.p50).toFixed(1)} us`,
);
if (sink < 0) console.log(sink); // keep results observable
