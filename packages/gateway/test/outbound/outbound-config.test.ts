/**
 * UMF_NOTIFY_ALLOW and UMF_NOTIFY_ALLOW_PRIVATE (issue 9, finding 1): resolved once by
 * process-config.ts, validated (a bad value is a start-up error naming the variable), internal
 * addresses allowed by default only in sandbox mode listening on loopback.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/config/process-config.ts';

const outbound = (flags: { host?: string }, env: NodeJS.ProcessEnv) => resolveConfig(flags, env).outbound;

test('allow-private defaults on only for a sandbox gateway listening on loopback', () => {
  assert.equal(outbound({}, {}).allowPrivate, true, 'default: sandbox on 127.0.0.1');
  assert.equal(outbound({ host: '::1' }, {}).allowPrivate, true);
  assert.equal(outbound({ host: 'localhost' }, {}).allowPrivate, true);
  assert.equal(outbound({ host: '127.0.0.2' }, {}).allowPrivate, true);
  assert.equal(outbound({ host: '0.0.0.0' }, {}).allowPrivate, false, 'all interfaces is not loopback');
  assert.equal(outbound({ host: '::' }, {}).allowPrivate, false);
  assert.equal(outbound({ host: '10.0.0.5' }, {}).allowPrivate, false);
  assert.equal(outbound({}, { UMF_MODE: 'production' }).allowPrivate, false, 'never by default outside sandbox');
  assert.equal(outbound({}, { HOST: '0.0.0.0' }).allowPrivate, false);
});

test('UMF_NOTIFY_ALLOW_PRIVATE=1/0 overrides the default; anything else is a start-up error', () => {
  assert.equal(outbound({}, { UMF_NOTIFY_ALLOW_PRIVATE: '0' }).allowPrivate, false);
  assert.equal(outbound({}, { UMF_MODE: 'production', UMF_NOTIFY_ALLOW_PRIVATE: '1' }).allowPrivate, true);
  assert.equal(outbound({}, { UMF_NOTIFY_ALLOW_PRIVATE: '' }).allowPrivate, true, 'empty is unset');
  for (const bad of ['yes', 'true', '2', 'on']) {
    assert.throws(() => resolveConfig({}, { UMF_NOTIFY_ALLOW_PRIVATE: bad }), /UMF_NOTIFY_ALLOW_PRIVATE.*1 or 0/, bad);
  }
});

test('UMF_NOTIFY_ALLOW is a checked, comma-separated list of hosts, addresses and CIDRs', () => {
  assert.deepEqual(outbound({}, {}).allow, []);
  assert.deepEqual(outbound({}, { UMF_NOTIFY_ALLOW: 'Intranet.Corp, 10.1.0.0/16,,fd00::/8 ,192.168.1.7' }).allow, [
    'intranet.corp',
    '10.1.0.0/16',
    'fd00::/8',
    '192.168.1.7',
  ]);
  for (const bad of ['10.0.0.0/40', 'http://intranet', 'a_b.corp', '10.0.0.0/']) {
    assert.throws(() => resolveConfig({}, { UMF_NOTIFY_ALLOW: bad }), /invalid UMF_NOTIFY_ALLOW: /, bad);
  }
});
