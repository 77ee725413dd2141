/**
 * The review of B2B documents, on SQLite and PostgreSQL: `documents list|show|approve|reject|download`
 * as an operator runs them beside a running gateway (a child process on the same database), and the
 * approval's contract with the payment side (HeldFunds): release runs inside the approval's
 * transaction, and when it says no the approval rolls back.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from 'basic-ftp';
import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import {
  documentName,
  ftpClient,
  goodZip,
  cancelledAfterWindow,
  heldB2bPayment,
  pastTheWindow,
  upload,
  zipOf,
  type HeldPayment,
} from '../helpers/b2b-documents.ts';
import { DocumentService, DocumentReviewError } from '../../src/documents/document-service.ts';
import type { HeldFunds } from '../../src/documents/held-funds.ts';
import { StateMover } from '../../src/lifecycle/state-mover.ts';
import type { Trx } from '../../src/store/database.ts';
import { checkLedger } from '../../src/ledger/ledger-check-repository.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/umf-gateway.js', import.meta.url).pathname;

for (const kind of testDatabaseUrls()) {
  describe(`document review (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;
    let client: Client;
    let shared: boolean;
    let cli: (...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;
    before(async () => {
      h = await startHarness(kind, { workers: false, ftp: {} });
      shop = await h.merchant({ name: 'Review Shop' });
      client = await ftpClient(h, shop.ftp);
      shared = !h.gateway.context.store.url.startsWith('pglite:');
      const env = { ...process.env, UMF_DATA_DIR: h.dataDir, DATABASE_URL: h.gateway.context.store.url };
      cli = (...args) =>
        run(process.execPath, [bin, ...args], { env }).then(
          ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            code: e.code,
            stdout: e.stdout,
            stderr: e.stderr,
          }),
        );
    });
    after(async () => {
      client.close();
      await h.close();
    });

    async function uploaded(payment: HeldPayment, sequence: number, zip = goodZip()): Promise<string> {
      const res = await upload(client, documentName(payment, sequence), zip);
      return /as (DOC_[0-9A-Z]+)/.exec(res.message)![1]!;
    }
    const fundsOf = async (paymentId: string) =>
      (await h.gateway.context.repositories.payments.findById(paymentId))!.funds_state;

    test('merchant create prints ftp_user and ftp_password (text and --json)', async (t) => {
      if (!shared) return t.skip('in-memory PGlite cannot be shared with another process');
      const json = JSON.parse((await cli('merchant', 'create', '--name', 'FTP Shop', '--json')).stdout) as Record<
        string,
        string
      >;
      assert.equal(json.ftp_user, json.merchant_id!.toLowerCase());
      assert.match(json.ftp_password!, /^[A-Za-z0-9_-]{24}$/);
      const text = (await cli('merchant', 'create', '--name', 'FTP Shop 2')).stdout;
      assert.match(text, /^ftp_user: m\d{11}$/m);
      assert.match(text, /^ftp_password: [A-Za-z0-9_-]{24}$/m);
      const row = await h.gateway.context.db
        .selectFrom('merchants')
        .select(['ftp_user', 'ftp_password_hash'])
        .where('id', '=', json.merchant_id!)
        .executeTakeFirstOrThrow();
      assert.equal(row.ftp_user, json.ftp_user);
      assert.match(row.ftp_password_hash!, /^scrypt\$/);
      assert.ok(!row.ftp_password_hash!.includes(json.ftp_password!), 'stored hashed');
      const none = await cli('merchant', 'ftp-password', '--merchant', 'M00000000000');
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no merchant M00000000000/);
      const usage = await cli('merchant', 'ftp-password');
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /merchant ftp-password needs --merchant ID/);
    });

    test('documents list (--json and text), show, download', async (t) => {
      if (!shared) return t.skip('in-memory PGlite cannot be shared with another process');
      const payment = await heldB2bPayment(h, shop);
      const zip = goodZip();
      const id = await uploaded(payment, 1, zip);
      const listed = JSON.parse((await cli('documents', 'list', '--payment', payment.id, '--json')).stdout) as Array<
        Record<string, unknown>
      >;
      assert.equal(listed.length, 1);
      const [d] = listed;
      assert.equal(d!.id, id);
      assert.equal(d!.payment_id, payment.id);
      assert.equal(d!.file_name, documentName(payment, 1));
      assert.equal(d!.status, 'pending');
      assert.equal(d!.size, zip.length);
      assert.deepEqual(d!.entries, [
        { name: 'contract.pdf', size: 25 },
        { name: 'invoice.pdf', size: 27 },
      ]);
      assert.match(String(d!.created_at), /^\d{4}-\d\d-\d\dT/);
      assert.match(String(d!.window_ends_at), /^\d{4}-\d\d-\d\dT/);
      assert.equal(d!.funds_state, 'held');
      const pending = JSON.parse((await cli('documents', 'list', '--status', 'pending', '--json')).stdout) as Array<{
        id: string;
      }>;
      assert.ok(pending.some((p) => p.id === id));
      const text = (await cli('documents', 'list', '--payment', payment.id)).stdout;
      assert.match(text, /^DOCUMENT +PAYMENT +FILE +STATUS +FILES +BYTES +UPLOADED +WINDOW ENDS$/m);
      assert.match(
        text,
        new RegExp(`^${id} +${payment.id} +${documentName(payment, 1)} +pending +2 +${zip.length} `, 'm'),
      );
      const shownText = (await cli('documents', 'show', id)).stdout;
      assert.match(shownText, /^status: pending$/m);
      assert.match(shownText, /^contract\.pdf +25$/m);
      const bad = await cli('documents', 'list', '--status', 'maybe');
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--status must be one of pending, approved, rejected, superseded, got "maybe"/);
      const out = join(mkdtempSync(join(tmpdir(), 'umf-doc-')), 'docs.zip');
      assert.equal((await cli('documents', 'download', id, '--out', out)).code, 0);
      assert.deepEqual(readFileSync(out), zip);
      assert.match((await cli('documents', 'download', id, '--out', out)).stderr, /exists: choose another --out/);
    });

    test('approve releases the held funds; again or after the window: refused, nothing changed', async (t) => {
      if (!shared) return t.skip('in-memory PGlite cannot be shared with another process');
      const payment = await heldB2bPayment(h, shop);
      const id = await uploaded(payment, 1);
      const approved = await cli('documents', 'approve', id);
      assert.equal(approved.code, 0, approved.stderr);
      assert.equal(
        approved.stdout,
        `approved ${id} (${documentName(payment, 1)}): the funds of ${payment.id} are released\n`,
      );
      assert.equal(await fundsOf(payment.id), 'released');
      const events = await h.gateway.context.repositories.timeline.of(h.gateway.context.db, payment.id);
      assert.ok(events.some((e) => e.type === 'documents_approved' && e.detail === id));
      const again = await cli('documents', 'approve', id, '--json');
      assert.equal(again.code, 1);
      assert.match(again.stderr, new RegExp(`${id} is approved: only pending documents are reviewed`));
      const next = await refusedUpload(payment, 2);
      assert.match(next, /approved already/);

      const late = await heldB2bPayment(h, shop);
      const lateId = await uploaded(late, 1);
      await cancelledAfterWindow(h, late);
      const refused = await cli('documents', 'approve', lateId);
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr,
        /was cancelled when its document window passed, and the money returned; nothing was changed/,
      );
      const after = JSON.parse((await cli('documents', 'show', lateId, '--json')).stdout) as { status: string };
      assert.equal(after.status, 'pending');
      assert.equal(
        (await cli('documents', 'approve', 'DOC_NOPE')).stderr,
        'umf-gateway: no document DOC_NOPE (umf-gateway documents list shows them)\n',
      );
    });

    test('reject with a reason (--json); the merchant uploads the next sequence, approved', async (t) => {
      if (!shared) return t.skip('in-memory PGlite cannot be shared with another process');
      const payment = await heldB2bPayment(h, shop);
      const first = await uploaded(payment, 1);
      const noReason = await cli('documents', 'reject', first);
      assert.equal(noReason.code, 2);
      assert.match(noReason.stderr, /documents reject needs --reason TEXT/);
      const rejected = await cli('documents', 'reject', first, '--reason', 'the invoice is missing', '--json');
      assert.equal(rejected.code, 0, rejected.stderr);
      const body = JSON.parse(rejected.stdout) as { status: string; review_reason: string };
      assert.equal(body.status, 'rejected');
      assert.equal(body.review_reason, 'the invoice is missing');
      assert.equal(await fundsOf(payment.id), 'held');
      assert.match(await refusedUpload(payment, 1), /upload with 0002/);
      const second = await uploaded(payment, 2, zipOf({ 'contract.pdf': 'c', 'invoice.pdf': 'i' }));
      assert.equal((await cli('documents', 'approve', second)).code, 0);
      assert.equal(await fundsOf(payment.id), 'released');
    });

    test("an approval racing the document window's end: exactly one wins, the loser changes nothing", async (t) => {
      const { services, repositories } = h.gateway.context;
      const raced: Array<{ paymentId: string; documentId: string }> = [];
      for (let i = 0; i < 6; i++) {
        const payment = await heldB2bPayment(h, shop);
        raced.push({ paymentId: payment.id, documentId: await uploaded(payment, 1) });
      }
      let approvals = 0;
      await pastTheWindow(h, async () => {
        for (const [i, { paymentId, documentId }] of raced.entries()) {
          const due = (await repositories.payments.findById(paymentId))!;
          // Every other round the window's step starts a moment later, so that either side may win.
          const late = i % 2 === 1 ? 15 : 0;
          const [approval, cancelled] = await Promise.all([
            services.documents.approve(documentId).then(
              () => 'approved' as const,
              (e: unknown) => {
                assert.ok(e instanceof DocumentReviewError && e.problem === 'funds_not_held', String(e));
                return 'refused' as const;
              },
            ),
            new Promise((r) => setTimeout(r, late)).then(() => services.heldFunds.cancelIfPastWindow(due)),
          ]);
          assert.equal(approval === 'approved', cancelled === undefined, `${paymentId}: exactly one of the two`);
          const payment = (await repositories.payments.findById(paymentId))!;
          const document = (await services.documents.show(documentId))!;
          if (approval === 'approved') {
            approvals++;
            assert.deepEqual(
              [payment.state, payment.funds_state, document.status],
              ['TRADE_SUCCESS', 'released', 'approved'],
            );
          } else {
            assert.deepEqual(
              [payment.state, payment.funds_state, document.status],
              ['TRADE_CANCEL', 'returned', 'pending'],
            );
          }
        }
      });
      t.diagnostic(`the approval won ${approvals} of ${raced.length} races, the window's end the others`);
      assert.deepEqual((await checkLedger(h.gateway.context.db)).problems, []);
    });

    test('approve calls HeldFunds.release inside its transaction, and rolls back when release says no', async () => {
      const ctx = h.gateway.context;
      const calls: Array<{ paymentId: string; statusInTrx: string | undefined }> = [];
      let answer = false;
      /** Records its calls; says no while `answer` is false, else asks the real HeldFunds of payments/. */
      const recording: HeldFunds = {
        releaseRate: (paymentId) => ctx.services.heldFunds.releaseRate(paymentId),
        async release(trx: Trx, paymentId: string, now: number, rate: string) {
          const inTrx = await trx
            .selectFrom('b2b_documents')
            .select('status')
            .where('payment_id', '=', paymentId)
            .where('status', '=', 'approved')
            .executeTakeFirst();
          calls.push({ paymentId, statusInTrx: inTrx?.status });
          return answer && ctx.services.heldFunds.release(trx, paymentId, now, rate);
        },
      };
      const service = new DocumentService({
        store: ctx.store,
        documents: ctx.repositories.documents,
        payments: ctx.repositories.payments,
        timeline: ctx.repositories.timeline,
        mover: new StateMover({ store: ctx.store, timeline: ctx.repositories.timeline, outbox: ctx.outbox }),
        heldFunds: recording,
        clock: ctx.clock,
        dataDir: h.dataDir,
      });
      const payment = await heldB2bPayment(h, shop);
      const id = await uploaded(payment, 1);
      await assert.rejects(
        service.approve(id),
        (e: unknown) => e instanceof DocumentReviewError && e.problem === 'funds_not_held',
      );
      assert.deepEqual(
        calls,
        [{ paymentId: payment.id, statusInTrx: 'approved' }],
        'the document was approved in that transaction',
      );
      assert.equal((await service.show(id))!.status, 'pending', 'rolled back');
      const events = await ctx.repositories.timeline.of(ctx.db, payment.id);
      assert.ok(!events.some((e) => e.type === 'documents_approved'), 'no event either');
      answer = true;
      assert.equal((await service.approve(id)).status, 'approved');
      assert.equal(calls.length, 2);
      assert.equal(await fundsOf(payment.id), 'released');
      await assert.rejects(
        service.reject(id, '  '),
        (e: unknown) => e instanceof DocumentReviewError && e.problem === 'reason_missing',
      );
    });

    async function refusedUpload(payment: HeldPayment, sequence: number): Promise<string> {
      try {
        await upload(client, documentName(payment, sequence), goodZip());
      } catch (error) {
        return (error as Error).message;
      }
      assert.fail('the upload was accepted');
    }
  });
}
