/** China time (src/time/china-time.ts): UTC+8 all year, every format the gateway writes. */
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  chinaDate,
  chinaInstant,
  chinaMinuteOfDay,
  chinaTime,
  chinaTimeOfDay,
  chinaTimestamp,
  parseTimeOfDay,
} from '../../src/time/china-time.ts';

// 2026-11-22T16:05:09.250Z is 2026-11-23 00:05:09 in China.
const AT = Date.UTC(2026, 10, 22, 16, 5, 9, 250);

test('formats of one instant, across the China midnight', () => {
  assert.equal(chinaTime(AT), '2026-11-23T00:05:09+08:00', 'ISO 8601 with +08:00');
  assert.equal(chinaDate(AT), '20261123', 'YYYYMMDD is already the next day');
  assert.equal(chinaTimeOfDay(AT), '000509', 'HHmmss');
  assert.equal(chinaTimestamp(AT), '20261123000509', 'yyyyMMddHHmmss');
  assert.equal(chinaMinuteOfDay(AT), 5, 'minutes after China midnight');
});

test('chinaInstant and parseTimeOfDay: a China date and HH:MM name one instant', () => {
  assert.equal(
    chinaInstant('20261123', 0),
    Date.UTC(2026, 10, 22, 16, 0),
    'China midnight is 16:00 UTC the day before',
  );
  assert.equal(
    chinaInstant('20261123', parseTimeOfDay('02:00', 'run time')),
    Date.UTC(2026, 10, 22, 18, 0),
    '02:00 China time',
  );
  assert.equal(chinaDate(chinaInstant('20261231', 23 * 60 + 59)), '20261231', 'the last minute of a date stays on it');
  assert.throws(
    () => parseTimeOfDay('24:00', 'UMF_SETTLEMENT_TIME'),
    /UMF_SETTLEMENT_TIME must be a time of day written HH:MM/,
    'out of range',
  );
});
