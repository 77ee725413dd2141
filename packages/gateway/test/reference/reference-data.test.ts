import { test } from 'node:test';
import assert from 'node:assert/strict';

import { BANKS, banksFor, findBank, type Bank } from '../../src/reference/banks.ts';
import { bankLogoSvg } from '../../src/reference/bank-logos.ts';
import { TRANS_CODES, isTransCode } from '../../src/reference/trans-codes.ts';

const CJK = /[\u3400-\u4dbf\u4e00-\u9fff]/;
const codes = (banks: readonly Bank[]): string[] => banks.map((b) => b.code);

test('credit card banks: 64, in the reference order', () => {
  const credit = codes(banksFor('CREDIT_CARD'));
  assert.equal(credit.length, 64);
  assert.equal(credit[0], 'ICBC');
  assert.equal(credit[1], 'CCB');
  assert.equal(credit[5], 'COMM'); // No. 6
  assert.equal(credit[19], 'BSB'); // No. 20
  assert.equal(credit[28], 'FJNXB'); // No. 29
  assert.equal(credit[33], 'HNNXB'); // No. 34
  assert.equal(credit[43], 'DAQINGB'); // No. 44
  assert.equal(credit[52], 'URMQCCB'); // No. 53
  assert.equal(credit[62], 'YDRCB'); // No. 63
  assert.equal(credit[63], 'WJRCB'); // No. 64
});

test('debit card banks: 15, in the reference order', () => {
  assert.deepEqual(codes(banksFor('DEBIT_CARD')), [
    'SPDB',
    'CCB',
    'ABC',
    'BOC',
    'CITIC',
    'CEB',
    'CMB',
    'ICBC',
    'CMBC',
    'GDB',
    'COMM',
    'SPAB',
    'HXB',
    'PSBC',
    'CIB',
  ]);
});

test('BANKS is the union: credit order then debit-only banks (none in the reference)', () => {
  const debitOnly = BANKS.filter((b) => !b.types.includes('CREDIT_CARD'));
  assert.deepEqual(codes(debitOnly), []);
  assert.equal(BANKS.length, 64);
  assert.deepEqual(codes(BANKS), codes(banksFor('CREDIT_CARD')));
  const creditOnly = BANKS.filter((b) => !b.types.includes('DEBIT_CARD'));
  assert.equal(creditOnly.length, 49);
});

test('codes are unique and every bank has English and Chinese names', () => {
  assert.equal(new Set(codes(BANKS)).size, BANKS.length);
  for (const bank of BANKS) {
    assert.match(bank.code, /^[A-Z]+$/, bank.code);
    assert.ok(bank.name.trim().length > 0, `${bank.code} name`);
    assert.equal(bank.name, bank.name.trim(), `${bank.code} name is trimmed`);
    assert.match(bank.name_zh, CJK, `${bank.code} name_zh has CJK: ${bank.name_zh}`);
    assert.ok(bank.types.length > 0, `${bank.code} types`);
  }
});

test('types list every table a bank appears in', () => {
  assert.deepEqual(findBank('ICBC')?.types, ['CREDIT_CARD', 'DEBIT_CARD']);
  assert.deepEqual(findBank('SPDB')?.types, ['CREDIT_CARD', 'DEBIT_CARD']);
  assert.deepEqual(findBank('SHB')?.types, ['CREDIT_CARD']);
  for (const bank of banksFor('DEBIT_CARD')) assert.ok(bank.types.includes('DEBIT_CARD'), bank.code);
  for (const bank of banksFor('CREDIT_CARD')) assert.ok(bank.types.includes('CREDIT_CARD'), bank.code);
});

test('findBank and names', () => {
  assert.equal(findBank('ICBC')?.name, 'Industrial and Commercial Bank of China');
  assert.equal(findBank('ICBC')?.name_zh, '中国工商银行');
  assert.equal(findBank('ABC')?.name_zh, '中国农业银行');
  assert.equal(findBank('BSB')?.name_zh, '包商银行');
  assert.equal(findBank('HSB')?.name, 'Huishang Bank');
  assert.equal(findBank('HSB')?.name_zh, '徽商银行');
  assert.equal(findBank('icbc'), undefined);
  assert.equal(findBank('NOPE'), undefined);
});

test('banksFor returns a fresh array', () => {
  const list = banksFor('DEBIT_CARD');
  list.pop();
  assert.equal(banksFor('DEBIT_CARD').length, 15);
});

test('bank logo SVG is self-contained and shows the code', () => {
  for (const bank of BANKS) {
    const svg = bankLogoSvg(bank);
    assert.ok(svg.startsWith('<svg'), bank.code);
    assert.ok(svg.endsWith('</svg>'), bank.code);
    assert.ok(svg.includes('xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(svg.includes(`>${bank.code}</text>`), bank.code);
    assert.match(svg, /fill="#[0-9a-f]{6}"/);
    assert.doesNotMatch(svg, /href|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, `${bank.code} references nothing external`);
    // Balanced tags (XML-ish): every opened element is closed or self-closing.
    const opened = (svg.match(/<[a-z]+[\s>]/g) ?? []).length;
    const closed = (svg.match(/<\/[a-z]+>/g) ?? []).length + (svg.match(/\/>/g) ?? []).length;
    assert.equal(opened, closed, bank.code);
  }
  const icbc = findBank('ICBC')!;
  assert.equal(bankLogoSvg(icbc), bankLogoSvg(icbc), 'deterministic');
  const colour = (svg: string): string | undefined => /<rect[^>]*fill="(#[0-9a-f]{6})"/.exec(svg)?.[1];
  assert.notEqual(colour(bankLogoSvg(icbc)), colour(bankLogoSvg(findBank('CCB')!)));
});

test('transaction codes: 27, keyed by 8-digit trading code', () => {
  assert.equal(TRANS_CODES.length, 27);
  assert.equal(new Set(TRANS_CODES.map((t) => t.code)).size, 27);
  for (const t of TRANS_CODES) {
    assert.match(t.code, /^\d{8}$/);
    assert.match(t.transactionCode, /^\d{6}$/);
    assert.equal(t.code.slice(2), t.transactionCode, t.code);
    assert.ok(t.tradeType.length > 0 && t.postscript.length > 0, t.code);
  }
  assert.equal(TRANS_CODES[0]?.code, '01121990');
  assert.equal(TRANS_CODES[26]?.code, '09228025');
  assert.ok(isTransCode('01121990'));
  assert.ok(isTransCode('09228025'));
  assert.ok(isTransCode('03223010'));
  assert.ok(!isTransCode('XXXX'));
  assert.ok(!isTransCode('121990'), '6-digit transaction code is not a trading code');
  assert.ok(!isTransCode(''));
  // Shared 6-digit transaction codes stay distinct entries.
  assert.equal(TRANS_CODES.filter((t) => t.transactionCode === '223010').length, 3);
});
