/**
 * B2B document fixtures: a paid payment marked B2B with its funds held (a stand-in until B2B payments
 * land on main), ZIPs (good ones and the kinds the server refuses), the file name of an upload, an
 * FTP client (basic-ftp) logged in as a merchant, and a self-signed certificate for FTPS.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { Readable } from 'node:stream';
import { Client, FTPError } from 'basic-ftp';
import { zipSync, type Zippable } from 'fflate';
import forge from 'node-forge';
import type { Harness, TestMerchant } from './gateway-harness.ts';
import { payOnSandbox, uniqueRef } from './refunds.ts';
import { b2bSampleOrder, registerCompany } from './b2b.ts';

export interface HeldPayment {
  readonly id: string;
  readonly merReferenceId: string;
  readonly merDate: string;
}

/**
 * A paid B2B payment of `m` whose funds are held: an ENABLE company of the merchant, the reference 4.3
 * sample order (CNY 100.00 at CCB), paid as the company's accountant would (the sandbox pay endpoint
 * stands for the bank page).
 */
export async function heldB2bPayment(h: Harness, m: TestMerchant): Promise<HeldPayment> {
  const company = await registerCompany(h, m);
  const body = b2bSampleOrder(uniqueRef('DOC'), company.external_enterprise_id, { total: '100.00' });
  const created = await h.call(m, 'POST', '/payments/payment', body);
  assert.equal(created.status, 201, created.text);
  await payOnSandbox(h, created.json.payment.id as string, 'success');
  const res = await h.call(m, 'GET', `/payments/payment/${created.json.payment.id as string}`);
  assert.equal(res.json.payment.state, 'TRADE_SUCCESS', res.text);
  const payment = res.json.payment;
  const record = await h.gateway.context.repositories.payments.findById(payment.id as string);
  assert.equal(record?.funds_state, 'held', 'a paid B2B payment holds its funds');
  return {
    id: payment.id as string,
    merReferenceId: payment.order.mer_reference_id as string,
    merDate: payment.order.mer_date as string,
  };
}

/** The document window (UMF_B2B_DOCUMENT_WINDOW's default, 24 h). */
export const DOCUMENT_WINDOW_MS = 24 * 3_600_000;

/**
 * Runs `fn` with the harness clock past the document window of payments made now, then puts the
 * clock back (so that the merchant's access tokens stay valid for the tests that follow).
 */
export async function pastTheWindow<T>(h: Harness, fn: () => Promise<T>): Promise<T> {
  h.clock.advance(DOCUMENT_WINDOW_MS + 1_000);
  try {
    return await fn();
  } finally {
    h.clock.advance(-(DOCUMENT_WINDOW_MS + 1_000));
  }
}

/** A held payment whose window passed: cancelled by the window's step (TRADE_CANCEL, money back). */
export async function cancelledAfterWindow(h: Harness, payment: HeldPayment): Promise<void> {
  const { heldFunds } = h.gateway.context.services;
  const record = (await h.gateway.context.repositories.payments.findById(payment.id))!;
  const cancelled = await pastTheWindow(h, () => heldFunds.cancelIfPastWindow(record));
  assert.equal(cancelled?.state, 'TRADE_CANCEL', 'cancelled when its window passed');
}

/** A held payment whose funds were released (what the approval of its documents does). */
export async function releasedFunds(h: Harness, payment: HeldPayment): Promise<void> {
  const { store, clock, services } = h.gateway.context;
  const rate = await services.heldFunds.releaseRate(payment.id);
  assert.equal(await store.write((trx) => services.heldFunds.release(trx, payment.id, clock.now(), rate)), true);
}

/** The upload's name: mer_reference_id + mer_date + 4-digit sequence + .zip. */
export function documentName(payment: HeldPayment, sequence: number): string {
  return `${payment.merReferenceId}${payment.merDate}${String(sequence).padStart(4, '0')}.zip`;
}

/** A ZIP of `files` (names to text or bytes). */
export function zipOf(files: Record<string, string | Uint8Array>, options: Parameters<typeof zipSync>[1] = {}): Buffer {
  const zippable: Zippable = {};
  for (const [name, content] of Object.entries(files))
    zippable[name] = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return Buffer.from(zipSync(zippable, options));
}

/** The contract and the invoice, as a merchant would zip them. */
export function goodZip(): Buffer {
  return zipOf({ 'contract.pdf': '%PDF-1.4 contract of sale', 'invoice.pdf': '%PDF-1.4 commercial invoice' });
}

/**
 * A ZIP that lies: a deflated entry of `realBytes` zeros whose headers claim `claimedBytes`, so that
 * only inflating it shows how large it is.
 */
export function lyingZip(realBytes: number, claimedBytes: number): Buffer {
  const zip = zipOf({ 'zeros.bin': new Uint8Array(realBytes) }, { level: 9 });
  for (let i = 0; i + 4 <= zip.length; i++) {
    const sig = zip.readUInt32LE(i);
    if (sig === 0x04034b50) zip.writeUInt32LE(claimedBytes, i + 22);
    if (sig === 0x02014b50) zip.writeUInt32LE(claimedBytes, i + 24);
  }
  return zip;
}

/** An FTP client logged in to the harness's documents server as `user`. */
export async function ftpClient(
  h: Harness,
  credentials: { user: string; password: string },
  secure?: { ca: string },
): Promise<Client> {
  const client = new Client(10_000);
  await client.access({
    host: '127.0.0.1',
    port: h.ftpPort,
    user: credentials.user,
    password: credentials.password,
    ...(secure ? { secure: true, secureOptions: { ca: secure.ca, servername: 'localhost' } } : {}),
  });
  return client;
}

/** Uploads `data` as `name`; the server's final reply. */
export async function upload(client: Client, name: string, data: Buffer): Promise<{ code: number; message: string }> {
  const res = await client.uploadFrom(Readable.from([data]), name);
  return { code: res.code, message: res.message };
}

/** The FTP error an upload (or any command) ends with: its code and message. */
export async function refused(action: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await action;
  } catch (error) {
    if (error instanceof FTPError) return { code: error.code, message: error.message };
    throw error;
  }
  assert.fail('expected an FTP refusal');
}

/** The file names of the merchant's folder (LIST). */
export async function listed(client: Client): Promise<string[]> {
  return (await client.list()).map((f) => f.name);
}

/** Downloads `name` (the server refuses: it is for the refusal tests). */
export function download(client: Client, name: string): Promise<unknown> {
  const sink = new Writable({ write: (_c, _e, done) => done() });
  return client.downloadTo(sink, name);
}

/** A self-signed certificate for `localhost` and 127.0.0.1 (FTPS tests): PEM certificate and key. */
export function testCertificate(): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const attrs = [{ name: 'commonName', value: 'localhost' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
      ],
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keyPem };
}
