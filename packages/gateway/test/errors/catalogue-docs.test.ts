import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RET_CODES } from '../../src/errors/catalogue.ts';
import { REASONS } from '../../src/errors/domain-error.ts';
import { REASON_CODES } from '../../src/http/error-codes.ts';

const docs = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map<string, { http: number; message: string; source: string }>();
for (const line of docs.split('\n')) {
  const m = /^\| `(\d+)` \| (\d{3}) \| (.+) \| (reference|ours) \|$/.exec(line);
  if (m) documented.set(m[1]!, { http: Number(m[2]), message: m[3]!, source: m[4]! });
}

test('every return code of the catalogue is documented in docs/errors.md with its status and message', () => {
  for (const entry of RET_CODES) {
    assert.deepEqual(
      documented.get(entry.code),
      { http: entry.http, message: entry.message, source: entry.source },
      `docs/errors.md row for ${entry.code}`,
    );
  }
});

test('docs/errors.md documents no code the catalogue does not have', () => {
  const codes = new Set(RET_CODES.map((e) => e.code));
  assert.deepEqual(
    [...documented.keys()].filter((c) => !codes.has(c)),
    [],
  );
});

test('codes are unique and reference codes keep the appendix numbering', () => {
  const codes = RET_CODES.map((e) => e.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const e of RET_CODES) assert.match(e.code, /^(0000|\d{8})$/);
});

test('every domain reason maps to a catalogue code, as the reasons table of docs/errors.md says', () => {
  const table = new Map<string, string>();
  for (const line of docs.split('\n')) {
    const m = /^\| `([a-z_]+)` \| `(\d+)` \|$/.exec(line);
    if (m) table.set(m[1]!, m[2]!);
  }
  const codes = new Set(RET_CODES.map((e) => e.code));
  for (const reason of REASONS) {
    const entry = REASON_CODES[reason];
    assert.ok(codes.has(entry.code), `${reason} maps to a catalogue code`);
    assert.equal(table.get(reason), entry.code, `docs/errors.md reasons row for ${reason}`);
  }
  assert.equal(table.size, REASONS.length, 'docs/errors.md lists no reason the code does not have');
});
