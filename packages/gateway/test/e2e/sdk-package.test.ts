/**
 * umf-sdk as its users get it: `npm pack` (which builds it), the tarball installed into a temporary
 * plain JavaScript project (`"type": "module"`, no TypeScript, no tsx), and a card payment run there
 * with plain `node` against a real gateway listening on a port. The tarball holds the build, its
 * declarations and the README, never the TypeScript sources or the tests.
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';

const run = promisify(execFile);
const SDK_DIR = fileURLToPath(new URL('../../../sdk/', import.meta.url));
const SHOP_SCRIPT = fileURLToPath(new URL('../fixtures/plain-js-shop/card-payment.mjs', import.meta.url));

/**
 * The environment of a user's shell: without the npm_* variables `npm test` sets (npm_config_prefix and
 * friends would make the child npm act on this repository) and without NODE_OPTIONS (no loader, no
 * export condition of the monorepo).
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && k !== 'NODE_OPTIONS') env[k] = v;
  }
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

/** Runs a command; on failure, the assertion message carries its output. */
async function sh(
  file: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = userEnv(),
): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { message: string; stdout?: string; stderr?: string };
    assert.fail(`${file} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

describe('umf-sdk as an npm package: packed, installed into plain JavaScript, a card payment with node', () => {
  let work: string;
  let tarball: string;
  let shop: string;
  let h: Harness;
  let merchant: TestMerchant;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'umf-sdk-package-'));
    const packDir = join(work, 'pack');
    shop = join(work, 'shop');
    for (const dir of [packDir, shop]) mkdirSync(dir);

    // What a maintainer runs: prepack builds dist (tsc), then npm packs the package's files.
    await sh('npm', ['pack', '--pack-destination', packDir], SDK_DIR, 120_000);
    const packed = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
    assert.deepEqual(packed, ['umf-sdk-0.1.0.tgz']);
    tarball = join(packDir, packed[0]!);

    // A merchant's project: plain JavaScript, nothing but the tarball (and what it depends on: qrcode,
    // from the npm cache when it is there, else from the registry).
    writeFileSync(
      join(shop, 'package.json'),
      JSON.stringify({ name: 'plain-js-shop', version: '1.0.0', private: true, type: 'module' }, null, 2),
    );
    await sh('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], shop, 120_000);
    copyFileSync(SHOP_SCRIPT, join(shop, 'card-payment.mjs'));

    h = await startHarness(testDatabaseUrls().find((k) => k.name === 'sqlite')!);
    merchant = await h.merchant({ name: 'Plain JS Shop' });
    writeFileSync(join(shop, 'merchant.key.p8'), merchant.privateKey.export({ type: 'pkcs8', format: 'der' }));
    writeFileSync(join(shop, 'platform.crt'), h.gateway.context.platform.certificatePem);
  });

  after(async () => {
    await h?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the tarball holds dist (JavaScript and .d.ts), README and package.json: no .ts sources, no tests', async () => {
    const entries = (await sh('tar', ['-tzf', tarball], work, 10_000)).split('\n').filter((l) => l !== '');
    for (const required of [
      'package/package.json',
      'package/README.md',
      'package/dist/index.js',
      'package/dist/index.d.ts',
      'package/dist/client.js',
      'package/dist/resources/payments.js',
    ]) {
      assert.ok(entries.includes(required), `${required} is packed: ${entries.join(', ')}`);
    }
    const unwanted = entries.filter(
      (e) =>
        (e.endsWith('.ts') && !e.endsWith('.d.ts')) ||
        /(^|\/)(src|test|tests)\//.test(e) ||
        /\.test\.|tsconfig|\.map$|\.tsbuildinfo$/.test(e) ||
        !(e.startsWith('package/dist/') || ['package/package.json', 'package/README.md'].includes(e)),
    );
    assert.deepEqual(unwanted, []);
    // Every module of the build has its declarations.
    for (const js of entries.filter((e) => e.endsWith('.js'))) {
      assert.ok(entries.includes(js.replace(/\.js$/, '.d.ts')), `${js} has its .d.ts`);
    }
    // The installed manifest points its exports at files that were packed.
    const manifest = JSON.parse(await sh('tar', ['-xzOf', tarball, 'package/package.json'], work, 10_000));
    const root = manifest.exports['.'];
    assert.equal(root.types, './dist/index.d.ts');
    assert.equal(root.default, './dist/index.js');
    assert.equal(manifest.type, 'module');
    // basic-ftp and fflate: documents.upload (B2B transaction documents, zipped and sent over FTP).
    assert.deepEqual(manifest.dependencies, { 'basic-ftp': '6.2.6', fflate: '0.8.2', qrcode: '^1.5.4' });
  });

  test('installed: umf-sdk and qrcode, no TypeScript, no tsx', () => {
    const modules = join(shop, 'node_modules');
    assert.ok(existsSync(join(modules, 'umf-sdk', 'dist', 'index.js')), 'umf-sdk/dist/index.js');
    assert.ok(existsSync(join(modules, 'qrcode', 'package.json')), 'qrcode is installed with it');
    assert.equal(existsSync(join(modules, 'umf-sdk', 'src')), false, 'no sources installed');
    for (const absent of ['typescript', 'tsx', '@types']) {
      assert.equal(existsSync(join(modules, absent)), false, `${absent} is not installed`);
    }
  });

  test('`node card-payment.mjs`: create, verify the card, the sandbox SMS code, execute: TRADE_SUCCESS', async () => {
    const stdout = await sh(
      process.execPath,
      ['card-payment.mjs'],
      shop,
      60_000,
      userEnv({
        GATEWAY_URL: h.baseUrl,
        UMF_CLIENT_ID: merchant.clientId,
        UMF_CLIENT_SECRET: merchant.clientSecret,
        UMF_PRIVATE_KEY_FILE: 'merchant.key.p8',
        UMF_PLATFORM_CERT_FILE: 'platform.crt',
        UMF_ENCRYPTION: merchant.encryption,
      }),
    );
    const steps = new Map<string, any>();
    for (const line of stdout.split('\n').filter((l) => l.startsWith('{'))) {
      const { step, ...details } = JSON.parse(line);
      steps.set(step, details);
    }
    assert.deepEqual(
      [...steps.keys()],
      ['loaded', 'wrong-base-url', 'created', 'verified', 'sms', 'executed', 'final', 'qr'],
      stdout,
    );

    // The package the project installed, run by node alone.
    assert.equal(steps.get('loaded').sdk, `file://${join(shop, 'node_modules', 'umf-sdk', 'dist', 'index.js')}`);
    assert.deepEqual(steps.get('loaded').execArgv, []);

    // A baseUrl without /cberest/v1 is explained.
    const wrong = steps.get('wrong-base-url');
    assert.equal(wrong.error, 'UmfBaseUrlError');
    assert.equal(wrong.isBaseUrlError, true);
    assert.equal(wrong.suggestedBaseUrl, `${h.baseUrl}/cberest/v1`);
    assert.match(wrong.message, /does not end with \/cberest\/v1/);
    assert.ok(wrong.message.includes(`use baseUrl "${h.baseUrl}/cberest/v1"`), wrong.message);

    const id = steps.get('created').id;
    assert.match(id, /^PAY_/);
    assert.equal(steps.get('created').state, 'WAIT_BUYER_PAY');
    assert.equal(steps.get('verified').state, 'WAIT_BUYER_PAY');
    assert.deepEqual(steps.get('sms'), { received: true });
    assert.equal(steps.get('executed').state, 'TRADE_SUCCESS');
    assert.equal(steps.get('final').id, id);
    assert.equal(steps.get('final').state, 'TRADE_SUCCESS');
    assert.match(steps.get('final').total_cny, /^\d+\.\d{2}$/);
    assert.equal(steps.get('qr').dataUrl, 'data:image/svg+xml;base64,');

    // The gateway agrees.
    const res = await h.call(merchant, 'GET', `/payments/payment/${id}`);
    assert.equal(res.json.payment.state, 'TRADE_SUCCESS', res.text);
  });

  const requireModule = (process.features as unknown as Record<string, unknown>).require_module === true;
  test(
    'CommonJS: require("umf-sdk") works where Node loads ES modules with require (20.19+, 22.12+)',
    { skip: requireModule ? false : `node ${process.version} cannot require an ES module` },
    async () => {
      const out = await sh(
        process.execPath,
        ['-e', "const { UmfClient, RetCodes } = require('umf-sdk'); console.log(typeof UmfClient, RetCodes.SUCCESS)"],
        shop,
        30_000,
      );
      assert.equal(out.trim(), 'function 0000');
    },
  );
});
