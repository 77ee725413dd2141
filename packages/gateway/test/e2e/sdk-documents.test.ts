/**
 * umf-sdk `documents.upload` against a running gateway's FTP server, on SQLite and PostgreSQL: it
 * zips the files, names the archive with the next sequence, uploads it, and reports the server's
 * refusal as a UmfDocumentUploadError with the reply code and reason; FTPS with a private certificate.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { UmfDocumentUploadError, UmfConnectionError, type UmfClient } from 'umf-sdk';
import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { heldB2bPayment, testCertificate } from '../helpers/b2b-documents.ts';
import { paidWalletPayment } from '../helpers/refunds.ts';
import { sdkClient } from '../helpers/sdk-client.ts';

for (const kind of testDatabaseUrls()) {
  describe(`SDK documents.upload (${kind.name})`, () => {
    let h: Harness;
    let shop: TestMerchant;
    let client: UmfClient;
    before(async () => {
      h = await startHarness(kind, { workers: false, ftp: { limits: { loginFailureDelayMs: 10 } } });
      shop = await h.merchant({ name: 'SDK Documents Shop' });
      client = sdkClient(h, shop, { ftp: { host: '127.0.0.1', port: h.ftpPort, ...shop.ftp } });
    });
    after(() => h.close());

    test('zips the files, names the archive with the next sequence, uploads; the server keeps it as sent', async () => {
      const held = await heldB2bPayment(h, shop);
      const { payment } = await client.payments.get(held.id);
      const dir = mkdtempSync(join(tmpdir(), 'umf-sdk-docs-'));
      writeFileSync(join(dir, 'invoice.pdf'), '%PDF-1.4 invoice');
      const first = await client.documents.upload(payment, [
        { name: 'contract.pdf', data: '%PDF-1.4 contract' },
        join(dir, 'invoice.pdf'),
      ]);
      assert.equal(first.fileName, `${held.merReferenceId}${held.merDate}0001.zip`);
      assert.equal(first.sequence, 1);
      assert.match(first.documentId ?? '', /^DOC_/);
      const row = await h.gateway.context.repositories.documents.findById(first.documentId!);
      assert.deepEqual(row!.entries, [
        { name: 'contract.pdf', size: 17 },
        { name: 'invoice.pdf', size: 16 },
      ]);
      const unzipped = unzipSync(readFileSync(join(h.dataDir, row!.stored_path)));
      assert.equal(new TextDecoder().decode(unzipped['invoice.pdf']), '%PDF-1.4 invoice');
      const second = await client.documents.upload({ merReferenceId: held.merReferenceId, merDate: held.merDate }, [
        { name: 'contract-signed.pdf', data: new Uint8Array([1, 2, 3]) },
      ]);
      assert.equal(second.sequence, 2, 'the next sequence after the one in the folder');
      assert.equal((await h.gateway.context.repositories.documents.findById(first.documentId!))!.status, 'superseded');
    });

    test("a refusal is a UmfDocumentUploadError with the server's code and reason", async () => {
      await h.token(shop); // the SDK's token disabled the harness's: a new one
      const notB2b = await paidWalletPayment(h, shop, '10.00', 'CNY');
      await assert.rejects(
        client.documents.upload(notB2b as { order: { mer_reference_id: string; mer_date: string } }, [
          { name: 'a.pdf', data: 'a' },
        ]),
        (e: unknown) =>
          e instanceof UmfDocumentUploadError &&
          e.ftpCode === 550 &&
          /no B2B payment of yours has mer_reference_id/.test(e.message) &&
          e.fileName === `${notB2b.order.mer_reference_id}${notB2b.order.mer_date}0001.zip`,
      );
      const held = await heldB2bPayment(h, shop);
      await assert.rejects(
        client.documents.upload(held, [{ name: 'a.pdf', data: 'a' }], {
          ftp: { host: '127.0.0.1', port: h.ftpPort, user: shop.ftp.user, password: 'wrong' },
        }),
        (e: unknown) => e instanceof UmfDocumentUploadError && e.ftpCode === 530 && /Login incorrect/.test(e.message),
      );
      await assert.rejects(
        client.documents.upload(held, [{ name: '../escape.pdf', data: 'a' }]),
        /not a relative file name inside the archive/,
      );
      await assert.rejects(
        client.documents.upload(held, [{ name: 'a.pdf', data: 'a' }], {
          ftp: { host: '127.0.0.1', port: 1, user: 'x', password: 'y' },
        }),
        (e: unknown) => e instanceof UmfConnectionError,
      );
    });
  });
}

describe('SDK documents.upload over FTPS', () => {
  test('secure: true with the platform CA uploads over TLS', async () => {
    const certificate = testCertificate();
    const [kind] = testDatabaseUrls();
    const h = await startHarness(kind!, { workers: false, ftp: { tls: certificate } });
    try {
      const shop = await h.merchant();
      const held = await heldB2bPayment(h, shop);
      const client = sdkClient(h, shop);
      const ftp = { host: '127.0.0.1', port: h.ftpPort, ...shop.ftp };
      await assert.rejects(
        client.documents.upload(held, [{ name: 'a.pdf', data: 'a' }], { ftp }),
        (e: unknown) => e instanceof UmfDocumentUploadError && e.ftpCode === 530 && /TLS is required/.test(e.message),
      );
      const done = await client.documents.upload(held, [{ name: 'a.pdf', data: 'a' }], {
        ftp: { ...ftp, secure: true, secureOptions: { ca: certificate.cert, servername: 'localhost' } },
      });
      assert.equal(done.sequence, 1);
    } finally {
      await h.close();
    }
  });
});
