/**
 * The lines of the download files (src/reports/file-lines.ts): one policy for a comma or line break
 * inside a field (written as a space, the line keeps its fields) and amounts with two decimals.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileLine, twoDecimals } from '../../src/reports/file-lines.ts';

test('fileLine: comma-separated fields and "\\n"; a comma, CR or LF inside a field becomes a space', () => {
  assert.equal(fileLine(['TRANSDETAIL-START', 'M1', '20261122']), 'TRANSDETAIL-START,M1,20261122\n', 'plain fields');
  assert.equal(fileLine(['a,b', 'c\r\nd', '']), 'a b,c  d,\n', 'separators inside fields are spaces');
  assert.equal(fileLine(['x,y', 'z']).split(',').length, 2, 'the line keeps its number of fields');
});

test('twoDecimals: minor units of the currency with exactly two decimals', () => {
  assert.equal(twoDecimals(10002n, 'USD'), '100.02', 'USD has two digits');
  assert.equal(twoDecimals(1000n, 'JPY'), '1000.00', 'JPY has none: two zero decimals');
  assert.equal(twoDecimals(-5n, 'CNY'), '-0.05', 'negative amounts');
  assert.equal(twoDecimals(123n, 'XXX'), '1.23', 'an unknown code is taken to have two digits');
});
