/**
 * The seam for real connectors (src/channels/connectors.ts): outside sandbox mode a gateway gets its
 * channels only from the connectors it is given, and refuses to start, naming what is missing,
 * without them; in sandbox mode a given connector takes the sandbox's place. `umf-gateway serve`
 * loads connectors from the module in UMF_CONNECTORS.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startGateway } from '../../src/gateway.ts';
import { MissingConnectorsError, resolveChannels, type ChannelsContext } from '../../src/channels/connectors.ts';
import type { Channels, FxFeed } from '../../src/channels/channels.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/umf-gateway.js', import.meta.url).pathname;

const context = {} as ChannelsContext;
const fx: FxFeed = { rate: async () => ({ rate: '7.0000', updatedAt: 0 }) };
const stub = <K extends keyof Channels>(name: K) => ({ [name]: { name } }) as unknown as Pick<Channels, K>;

test('live mode without connectors names every missing channel', async () => {
  await assert.rejects(
    resolveChannels({ sandbox: false, context, sandboxChannels: () => ({ ...stub('cardBank'), fx }) }),
    (error: unknown) => {
      assert.ok(error instanceof MissingConnectorsError);
      assert.deepEqual([...error.missing].sort(), ['cardBank', 'corporateBank', 'customs', 'fx', 'sms', 'wallet']);
      assert.match(
        error.message,
        /live mode needs a connector for every channel; missing: cardBank .*; sms .*UMF_CONNECTORS/,
      );
      return true;
    },
  );
});

test('live mode with some connectors names only the missing ones; the sandbox is never consulted', async () => {
  let sandboxAsked = false;
  const sandboxChannels = () => {
    sandboxAsked = true;
    return {};
  };
  await assert.rejects(
    resolveChannels({ sandbox: false, context, connectors: () => ({ fx, ...stub('cardBank') }), sandboxChannels }),
    (error: unknown) =>
      error instanceof MissingConnectorsError && error.missing.join() === 'sms,wallet,customs,corporateBank',
  );
  const all = {
    fx,
    ...stub('cardBank'),
    ...stub('sms'),
    ...stub('wallet'),
    ...stub('customs'),
    ...stub('corporateBank'),
  };
  const channels = await resolveChannels({ sandbox: false, context, connectors: async () => all, sandboxChannels });
  assert.equal(channels.fx, fx);
  assert.equal(sandboxAsked, false, 'no sandbox party is built outside sandbox mode');
});

test('in sandbox mode a connector takes the place of the sandbox party, the others stay', async () => {
  const sandbox = {
    ...stub('cardBank'),
    ...stub('sms'),
    ...stub('wallet'),
    ...stub('customs'),
    ...stub('fx'),
    ...stub('corporateBank'),
  };
  const channels = await resolveChannels({
    sandbox: true,
    context,
    connectors: () => ({ fx }),
    sandboxChannels: () => sandbox,
  });
  assert.equal(channels.fx, fx, 'the given FX feed');
  assert.equal(channels.cardBank, sandbox.cardBank, 'the sandbox bank');
});

test('startGateway outside sandbox mode without connectors refuses to start and closes the store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'umf-live-'));
  try {
    await assert.rejects(
      startGateway({
        databaseUrl: `sqlite:${join(dir, 'db.sqlite')}`,
        dataDir: dir,
        publicUrl: 'http://x',
        sandbox: false,
      }),
      /live mode needs a connector for every channel/,
    );
    // The store was closed: the same file opens again at once (a leaked SQLite handle would keep its WAL).
    const again = await startGateway({
      databaseUrl: `sqlite:${join(dir, 'db.sqlite')}`,
      dataDir: dir,
      publicUrl: 'http://x',
      workers: false,
    });
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'umf-gateway serve in live mode: refused without connectors; ' + 'a UMF_CONNECTORS module is loaded and used',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'umf-live-cli-'));
    const env = { ...process.env, UMF_DATA_DIR: dir, UMF_MODE: 'production', PORT: '0', UMF_FTP_PORT: '0' };
    try {
      const refused = await run(process.execPath, [bin, 'serve'], { env }).then(
        () => assert.fail('serve started without connectors'),
        (error: { code: number; stderr: string }) => error,
      );
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^umf-gateway: live mode needs a connector for every channel; missing: cardBank/);

      // A module that provides only the FX feed: serve names the five channels still missing, which
      // shows the module was loaded and its channel counted.
      const module = join(dir, 'connectors.mjs');
      writeFileSync(module, "export default () => ({ fx: { rate: async () => ({ rate: '7', updatedAt: 0 }) } });\n");
      const partial = await run(process.execPath, [bin, 'serve'], { env: { ...env, UMF_CONNECTORS: module } }).then(
        () => assert.fail('serve started with one connector'),
        (error: { code: number; stderr: string }) => error,
      );
      assert.equal(partial.code, 1);
      assert.match(partial.stderr, /missing: cardBank .*; sms .*; wallet .*; customs .*; corporateBank /);
      assert.doesNotMatch(partial.stderr, /fx \(the exchange-rate feed\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
