/**
 * The README's "Try it with curl and openssl" blocks, run as written (bash, curl, openssl, npx)
 * against `umf-gateway serve` in its own data directory.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../../../', import.meta.url).pathname;
const WALKTHROUGH_FILES = [
  'merchant.txt',
  'platform.crt',
  'platform.pub',
  'create.json',
  'created.json',
  'verify.json',
  'execute.json',
  'payment.json',
  'signed.txt',
  'sign.bin',
  'company.json',
  'company-created.json',
  'b2b.json',
  'b2b-created.json',
  'contract.txt',
  'invoice.txt',
];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

test(
  'the README curl/openssl walkthrough takes a card payment and verifies the response signature',
  { timeout: 120_000 },
  async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.split('## Try it with curl and openssl')[1]!.split('\n## ')[0]!;
    const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
    assert.equal(blocks.length, 7, 'seven shell blocks in the walkthrough');

    const dataDir = mkdtempSync(join(tmpdir(), 'umf-readme-'));
    const port = await freePort();
    const ftpPort = await freePort();
    const env = {
      ...process.env,
      UMF_DATA_DIR: dataDir,
      PORT: String(port),
      UMF_FTP_PORT: String(ftpPort),
      FTP: `ftp://127.0.0.1:${ftpPort}`,
      BASE: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'warn',
    };
    delete (env as Record<string, string | undefined>).DATABASE_URL;
    const server = spawn(process.execPath, ['packages/gateway/bin/umf-gateway.js', 'serve'], {
      cwd: root,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let serverErr = '';
    server.stderr.on('data', (d) => (serverErr += d));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`gateway did not start: ${serverErr}`)), 30_000);
        server.stderr.on('data', () => {
          if (serverErr.includes('listening on')) {
            clearTimeout(timer);
            resolve();
          }
        });
        server.on('exit', (code) => reject(new Error(`gateway exited ${code}: ${serverErr}`)));
      });
      // Then the settlement section's block, in the same shell (it uses $API and $TOKEN).
      const settlementSection = readme.split('## Settlement and reconciliation')[1]!.split('\n## ')[0]!;
      const settlementBlocks = [...settlementSection.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
      assert.equal(settlementBlocks.length, 1, 'one shell block in the settlement section');
      // And the B2B section's block (a company registered, approved by the operator, read back).
      const b2bSection = readme.split('## B2B: enterprise qualification')[1]!.split('\n## ')[0]!;
      const b2bBlocks = [...b2bSection.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
      assert.equal(b2bBlocks.length, 1, 'one shell block in the B2B section');
      // And the B2B payment's: paid, documents uploaded over FTP, approved by the operator.
      const documentsSection = readme.split('## B2B: a payment, its documents, the release')[1]!.split('\n## ')[0]!;
      const documentsBlocks = [...documentsSection.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
      assert.equal(documentsBlocks.length, 1, 'one shell block in the B2B payment section');
      const script = [
        'set -eu',
        ...blocks,
        'echo "---b2b---"',
        ...b2bBlocks,
        'echo "---documents---"',
        ...documentsBlocks,
        'echo "---settlement---"',
        ...settlementBlocks,
      ].join('\n');
      const run = spawnSync('bash', ['-c', script], { cwd: root, env, encoding: 'utf8', timeout: 90_000 });
      assert.equal(run.status, 0, `walkthrough failed:\n${run.stdout}\n${run.stderr}`);
      const [walkthroughAndB2b, settlement] = run.stdout.split('---settlement---\n') as [string, string];
      const [walkthrough, b2bAndDocuments] = walkthroughAndB2b.split('---b2b---\n') as [string, string];
      const [b2b, documents] = b2bAndDocuments.split('---documents---\n') as [string, string];
      const b2bPaymentId = /^b2b payment: (PAY_[A-Z0-9]+)$/m.exec(documents)?.[1];
      assert.ok(b2bPaymentId, `the B2B payment block prints the payment: ${documents}`);
      assert.match(documents, /"state":"TRADE_SUCCESS"/, 'paid on the sandbox');
      assert.match(documents, /^curl-b2b-\d+\d{8}0001\.zip$/m, 'the folder lists the upload');
      assert.match(
        documents,
        new RegExp(`^approved DOC_\\w+ \\(curl-b2b-\\d+0001\\.zip\\): the funds of ${b2bPaymentId} are released$`, 'm'),
        'the operator approved the documents',
      );
      const companyId = /^company: (EQ_[A-Z2-7]+)$/m.exec(b2b)?.[1];
      assert.ok(companyId, `the B2B block prints the company: ${b2b}`);
      assert.match(b2b, new RegExp(`^${companyId}\\s+M\\d{11}\\s+curl-co-\\d+\\s+DISABLE\\s`, 'm'));
      assert.match(b2b, new RegExp(`^id: ${companyId}$`, 'm'));
      assert.match(b2b, /^status: ENABLE$/m);
      assert.match(b2b.trimEnd().split('\n').at(-1)!, /^"enterprise_status":"ENABLE","rank":"A"$/);
      const paymentId = /^payment: (PAY_[A-Z0-9]+)$/m.exec(walkthrough)?.[1];
      assert.match(
        settlement,
        /^STL_\w+ M\d{11} USD [\d.]+ \(2 payments /m,
        `settle prints the transfer:\n${settlement}`,
      );
      const statement = JSON.parse(settlement.slice(settlement.indexOf('{'))) as {
        meta: { ret_code: string };
        reconciliations: { payment_summaries: Array<{ payment_id: string }> };
      };
      assert.equal(statement.meta.ret_code, '0000', settlement);
      assert.deepEqual(
        statement.reconciliations.payment_summaries.map((p) => p.payment_id).sort(),
        [paymentId, b2bPaymentId].sort(),
        'the card payment and the released B2B payment are settled together',
      );
      const [payment, operator] = walkthrough.split(/^"state":"TRADE_SUCCESS"\n/m) as [string, string | undefined];
      assert.ok(operator !== undefined, `step 6 prints the state: ${walkthrough}`);
      assert.equal(payment.trim().split('\n').at(-1), 'Verified OK');
      // Step 7: the operator's view of the same payment.
      const merchantId = /^merchant_id: (M\d{11})$/m.exec(operator)?.[1];
      assert.ok(merchantId, `merchant show prints the merchant: ${operator}`);
      assert.match(operator, /^name: Curl Shop$/m);
      assert.match(
        operator,
        new RegExp(`^${paymentId}\\s+${merchantId}\\s+TRADE_SUCCESS\\s+CREDIT_CARD\\s+100\\.02 USD`, 'm'),
      );
      assert.match(operator, new RegExp(`^payment_id: ${paymentId}$`, 'm'));
      assert.match(operator, /^timeline:$/m);
      assert.match(operator, /^NTF_\S+ PAY_\S+ \w+ http:\/\/127\.0\.0\.1:9\/notify$/m);
      assert.match(run.stdout, /^token: [0-9a-f]{64}$/m);
      assert.match(run.stdout, /^payment: PAY_[A-Z0-9]+$/m);
      assert.match(run.stdout, /^SMS code: \d{6}$/m);
    } finally {
      server.kill('SIGTERM');
      for (const f of WALKTHROUGH_FILES) rmSync(join(root, f), { force: true });
      for (const f of readdirSync(root))
        if (/^curl-b2b-\d+\.zip$|^curl-b2b-\d+\d{8}0001\.zip$/.test(f)) rmSync(join(root, f));
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
);
