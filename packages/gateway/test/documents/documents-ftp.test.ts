/**
 * B2B transaction documents over FTP (reference 4.4) against a running gateway, with a real FTP client
 * (basic-ftp), on SQLite and PostgreSQL: what is accepted, stored and listed; every refusal says why
 * and keeps nothing; the FTP account follows `merchant ftp-password` at once.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from 'basic-ftp';
import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import {
  cancelledAfterWindow,
  documentName,
  ftpClient,
  goodZip,
  heldB2bPayment,
  listed,
  lyingZip,
  refused,
  upload,
  releasedFunds,
  zipOf,
} from '../helpers/b2b-documents.ts';
import { b2bSampleOrder, registerCompany } from '../helpers/b2b.ts';
import { uniqueRef } from '../helpers/refunds.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/umf-gateway.js', import.meta.url).pathname;

for (const kind of testDatabaseUrls()) {
  describe(`documents over FTP (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;
    let client: Client;
    before(async () => {
      h = await startHarness(kind, {
        workers: false,
        ftp: { limits: { loginFailureDelayMs: 10 } },
        documentLimits: { maxArchiveBytes: 64 * 1024 },
      });
      shop = await h.merchant({ name: 'Documents Shop' });
      client = await ftpClient(h, shop.ftp);
    });
    after(async () => {
      client.close();
      await h.close();
    });

    const rows = (paymentId: string) =>
      h.gateway.context.db.selectFrom('b2b_documents').selectAll().where('payment_id', '=', paymentId).execute();
    const folder = () => join(h.dataDir, 'documents', shop.id);
    const filesKept = () => (existsSync(folder()) ? readdirSync(folder()) : []);

    test('an upload naming a held B2B payment is accepted, kept 0600 in a 0700 folder, recorded, listed', async () => {
      const payment = await heldB2bPayment(h, shop);
      const name = documentName(payment, 1);
      const zip = goodZip();
      const res = await upload(client, name, zip);
      assert.equal(res.code, 226);
      assert.match(res.message, /^226 Accepted .* as DOC_[0-9A-Z]{26} \(2 file\(s\)\): pending review$/);
      assert.ok((await listed(client)).includes(name));
      const [row] = await rows(payment.id);
      assert.equal(row!.status, 'pending');
      assert.equal(row!.file_name, name);
      assert.equal(Number(row!.sequence), 1);
      assert.deepEqual(JSON.parse(row!.entries_json), [
        { name: 'contract.pdf', size: 25 },
        { name: 'invoice.pdf', size: 27 },
      ]);
      const stored = join(h.dataDir, row!.stored_path);
      assert.deepEqual(readFileSync(stored), zip);
      assert.equal(statSync(stored).mode & 0o777, 0o600);
      assert.equal(statSync(folder()).mode & 0o777, 0o700);
      assert.equal(statSync(join(h.dataDir, 'documents')).mode & 0o777, 0o700);
      const events = await h.gateway.context.repositories.timeline.of(h.gateway.context.db, payment.id);
      assert.ok(events.some((e) => e.type === 'documents_uploaded' && e.detail?.includes(row!.id)));
    });

    test('refused uploads say why and keep nothing: bad name, non-ZIP, ../ entries, zip bombs, too large', async () => {
      const payment = await heldB2bPayment(h, shop);
      const before = filesKept().length;
      const badName = await refused(upload(client, 'contract.pdf', goodZip()));
      assert.equal(badName.code, 553);
      assert.match(
        badName.message,
        /a file name is mer_reference_id \+ mer_date \(YYYYMMDD\) \+ a 4-digit sequence \+ \.zip/,
      );
      const badDate = await refused(upload(client, `${payment.merReferenceId}202613400001.zip`, goodZip()));
      assert.match(badDate.message, /20261340 .* is not a date/);
      const cases: Array<[Buffer, RegExp]> = [
        [Buffer.from('%PDF-1.4 a contract, not zipped'), /not a ZIP archive/],
        [zipOf({ '../../etc/cron.d/evil': 'x' }), /leaves the archive \(\.\.\/ in its path\)/],
        [zipOf({ 'zeros.bin': new Uint8Array(2 * 1024 * 1024) }, { level: 9 }), /expands more than 100 times/],
        [lyingZip(4 * 1024 * 1024, 100), /inflates beyond its declared size/],
      ];
      let sequence = 1;
      for (const [data, why] of cases) {
        const res = await refused(upload(client, documentName(payment, sequence++), data));
        assert.equal(res.code, 550);
        assert.match(res.message, why);
        assert.match(res.message, /nothing was kept/);
      }
      const big = await refused(upload(client, documentName(payment, sequence), Buffer.alloc(100 * 1024, 7)));
      assert.equal(big.code, 552);
      assert.match(big.message, /larger than the limit of 65536 bytes/);
      assert.equal((await rows(payment.id)).length, 0);
      assert.equal(filesKept().length, before, 'no file, no partial file');
      // The sequences of refused uploads are free: the good one may use the first.
      assert.equal((await upload(client, documentName(payment, 1), goodZip())).code, 226);
    });

    test("another merchant's order is refused as unknown; so are unpaid, cancelled and released payments", async () => {
      const other = await h.merchant({ name: 'Other Shop' });
      const theirs = await heldB2bPayment(h, other);
      const foreign = await refused(upload(client, documentName(theirs, 1), goodZip()));
      const unknown = await refused(upload(client, `NOSUCHORDER${theirs.merDate}0001.zip`, goodZip()));
      assert.equal(foreign.code, 550);
      assert.equal(
        foreign.message,
        `550 Refused: no B2B payment of yours has mer_reference_id "${theirs.merReferenceId}" ` +
          `and mer_date ${theirs.merDate}`,
      );
      assert.equal(unknown.message.replace('NOSUCHORDER', theirs.merReferenceId), foreign.message, 'the same words');
      assert.equal((await rows(theirs.id)).length, 0);

      const company = await registerCompany(h, shop);
      const unpaid = await h.call(
        shop,
        'POST',
        '/payments/payment',
        b2bSampleOrder(uniqueRef('UNP'), company.external_enterprise_id),
      );
      assert.equal(unpaid.status, 201, unpaid.text);
      const order = unpaid.json.payment.order;
      const notPaid = await refused(upload(client, `${order.mer_reference_id}${order.mer_date}0001.zip`, goodZip()));
      assert.match(notPaid.message, /is not paid yet \(WAIT_BUYER_PAY\)/);

      const cancelled = await heldB2bPayment(h, shop);
      await cancelledAfterWindow(h, cancelled);
      assert.match(
        (await refused(upload(client, documentName(cancelled, 1), goodZip()))).message,
        /was cancelled when its document window ended at .* and the money returned/,
      );
      const released = await heldB2bPayment(h, shop);
      await releasedFunds(h, released);
      assert.match(
        (await refused(upload(client, documentName(released, 1), goodZip()))).message,
        /are approved already \(its funds are released\)/,
      );
    });

    test('no overwrite: a used or lower sequence is refused; a higher one supersedes the pending upload', async () => {
      const payment = await heldB2bPayment(h, shop);
      const first = goodZip();
      assert.equal((await upload(client, documentName(payment, 2), first)).code, 226);
      const again = await refused(upload(client, documentName(payment, 2), zipOf({ 'other.pdf': 'other' })));
      assert.equal(again.code, 550);
      assert.match(again.message, /sequence 0002 is used already .* files are never overwritten; upload with 0003/);
      assert.match((await refused(upload(client, documentName(payment, 1), goodZip()))).message, /upload with 0003/);
      assert.equal((await upload(client, documentName(payment, 3), zipOf({ 'fixed.pdf': 'fixed' }))).code, 226);
      const statuses = (await rows(payment.id)).map((r) => [Number(r.sequence), r.status]).sort();
      assert.deepEqual(statuses, [
        [2, 'superseded'],
        [3, 'pending'],
      ]);
      const stored = join(folder(), documentName(payment, 2));
      assert.deepEqual(readFileSync(stored), first, 'the first file is unchanged');
    });

    test('a wrong password is refused; merchant ftp-password ends the old one at once in the gateway', async (t) => {
      const wrong = await refused(ftpClient(h, { user: shop.ftp.user, password: 'not-it' }));
      assert.equal(wrong.code, 530);
      assert.match(wrong.message, /Login incorrect/);
      if (h.gateway.context.store.url.startsWith('pglite:'))
        return t.skip('in-memory PGlite cannot be shared with another process');
      const merchant = await h.merchant({ name: 'Reset Shop' });
      const payment = await heldB2bPayment(h, merchant);
      const oldSession = await ftpClient(h, merchant.ftp);
      try {
        const { stdout } = await run(
          process.execPath,
          [bin, 'merchant', 'ftp-password', '--merchant', merchant.id, '--json'],
          { env: { ...process.env, UMF_DATA_DIR: h.dataDir, DATABASE_URL: h.gateway.context.store.url } },
        );
        const reset = JSON.parse(stdout) as { ftp_user: string; ftp_password: string };
        assert.equal(reset.ftp_user, merchant.ftp.user);
        assert.notEqual(reset.ftp_password, merchant.ftp.password);
        assert.equal((await refused(ftpClient(h, merchant.ftp))).code, 530, 'the old password no longer logs in');
        const stale = await refused(upload(oldSession, documentName(payment, 1), goodZip()));
        assert.equal(stale.code, 530);
        assert.match(stale.message, /password was changed/);
        const fresh = await ftpClient(h, { user: reset.ftp_user, password: reset.ftp_password });
        assert.equal((await upload(fresh, documentName(payment, 1), goodZip())).code, 226);
        fresh.close();
      } finally {
        oldSession.close();
      }
    });
  });
}
