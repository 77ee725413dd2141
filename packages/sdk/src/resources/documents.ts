// Transaction documents of B2B payments (reference 4.4): one ZIP per upload, sent over FTP to the
// platform, named mer_reference_id + mer_date + a 4-digit sequence + .zip. `upload` zips the files,
// finds the next sequence by listing the merchant's folder, and reports a refusal as a
// UmfDocumentUploadError carrying the server's reply.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { Client, FTPError } from 'basic-ftp';
import { zipSync, type Zippable } from 'fflate';
import { UmfConnectionError, UmfDocumentUploadError } from '../errors.ts';

/** Where and as whom to upload: the FTP account the platform gave the merchant. */
export interface DocumentsFtpOptions {
  host: string;
  /** Default 2121 (umf-gateway's default). */
  port?: number;
  user: string;
  password: string;
  /** Explicit FTPS (AUTH TLS): required when the platform has a certificate configured. */
  secure?: boolean;
  /** TLS options for `secure` (a `ca` for a private certificate, `servername`...). */
  secureOptions?: ConnectionOptions;
  /** Per-command timeout (default 30 000 ms). */
  timeoutMs?: number;
}

/** A file for the archive: its name in the ZIP and its content, or a path to read (named by its base name). */
export type DocumentFile = { name: string; data: Uint8Array | string } | string;

/** The payment the documents belong to: a payment object, or its mer_reference_id and mer_date. */
export type DocumentPayment =
  { order: { mer_reference_id: string; mer_date: string } } | { merReferenceId: string; merDate: string };

export interface UploadedDocuments {
  /** The archive's name on the server. */
  fileName: string;
  sequence: number;
  /** Size of the ZIP in bytes. */
  size: number;
  /** The platform's document id (`DOC_...`), from its reply. */
  documentId: string | undefined;
  /** The server's final reply. */
  reply: string;
}

export interface UploadOptions {
  ftp?: DocumentsFtpOptions;
}

function referenceOf(payment: DocumentPayment): { ref: string; date: string } {
  const ref = 'order' in payment ? payment.order?.mer_reference_id : payment.merReferenceId;
  const date = 'order' in payment ? payment.order?.mer_date : payment.merDate;
  if (typeof ref !== 'string' || ref === '')
    throw new TypeError('documents.upload: the payment has no mer_reference_id');
  if (typeof date !== 'string' || !/^\d{8}$/.test(date))
    throw new TypeError('documents.upload: the payment has no mer_date (YYYYMMDD)');
  if (/[/\\\r\n]/.test(ref)) throw new TypeError('documents.upload: mer_reference_id cannot be used in a file name');
  return { ref, date };
}

async function zipped(files: readonly DocumentFile[]): Promise<Uint8Array> {
  if (!files || files.length === 0) throw new TypeError('documents.upload: give at least one file');
  const entries: Zippable = {};
  for (const file of files) {
    const { name, data } =
      typeof file === 'string'
        ? { name: basename(file), data: await readFile(file) }
        : { name: file.name, data: file.data };
    const path = typeof name === 'string' ? name.replaceAll('\\', '/') : '';
    if (!path || path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.split('/').includes('..'))
      throw new TypeError(`documents.upload: ${JSON.stringify(name)} is not a relative file name inside the archive`);
    if (path in entries) throw new TypeError(`documents.upload: ${JSON.stringify(name)} is given twice`);
    entries[path] = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  }
  return zipSync(entries);
}

/** The transaction documents of B2B payments (reference 4.4). */
export class Documents {
  readonly #defaults: DocumentsFtpOptions | undefined;
  constructor(defaults?: DocumentsFtpOptions) {
    this.#defaults = defaults;
  }

  /**
   * Zips `files` into one archive, names it `mer_reference_id + mer_date + NNNN.zip` with the next
   * sequence (after the highest one in the folder: a refused or rejected upload is replaced by the
   * next), and uploads it. Throws UmfDocumentUploadError when the server refuses it (its reason in the
   * message, `ftpCode` the reply code), UmfConnectionError when the server cannot be reached.
   */
  async upload(
    payment: DocumentPayment,
    files: readonly DocumentFile[],
    options: UploadOptions = {},
  ): Promise<UploadedDocuments> {
    const ftp = options.ftp ?? this.#defaults;
    if (!ftp?.host || !ftp.user || typeof ftp.password !== 'string')
      throw new TypeError('documents.upload: give the FTP account ({ ftp: { host, port, user, password } })');
    const { ref, date } = referenceOf(payment);
    const archive = await zipped(files);
    const client = new Client(ftp.timeoutMs ?? 30_000);
    let fileName: string | undefined;
    try {
      await client.access({
        host: ftp.host,
        port: ftp.port ?? 2121,
        user: ftp.user,
        password: ftp.password,
        ...(ftp.secure ? { secure: true, ...(ftp.secureOptions ? { secureOptions: ftp.secureOptions } : {}) } : {}),
      });
      const prefix = `${ref}${date}`;
      let last = 0;
      for (const entry of await client.list()) {
        const name = entry.name;
        if (
          name.length === prefix.length + 8 &&
          name.startsWith(prefix) &&
          /^\d{4}\.zip$/i.test(name.slice(prefix.length))
        )
          last = Math.max(last, Number(name.slice(prefix.length, prefix.length + 4)));
      }
      const sequence = last + 1;
      if (sequence > 9999) throw new UmfDocumentUploadError(`every sequence of ${prefix} is used (0001-9999)`);
      fileName = `${prefix}${String(sequence).padStart(4, '0')}.zip`;
      const res = await client.uploadFrom(Readable.from([Buffer.from(archive)]), fileName);
      return {
        fileName,
        sequence,
        size: archive.length,
        documentId: /\b(DOC_[0-9A-Z]+)\b/.exec(res.message)?.[1],
        reply: res.message,
      };
    } catch (error) {
      if (error instanceof UmfDocumentUploadError) throw error;
      if (error instanceof FTPError)
        throw new UmfDocumentUploadError(`the FTP server refused the upload: ${error.message}`, {
          ftpCode: error.code,
          fileName,
          cause: error,
        });
      throw new UmfConnectionError(
        `cannot upload documents to ${ftp.host}:${ftp.port ?? 2121}: ${(error as Error).message}`,
        {
          cause: error,
          timedOut: /timeout/i.test((error as Error).message),
        },
      );
    } finally {
      client.close();
    }
  }
}
