// Download files (transaction list, reconciliation statement, customs list), streamed and verified.
//
// The platform signs every download file like a notification: a `Signature` header, base64 SHA256withRSA
// over the exact bytes of the body. A SignedDownload reads the body as it arrives, feeds every chunk to
// the verifier and checks the signature when the body ends: nothing is buffered beyond one line.
//
//   const file = await client.transactions.download({ merDate: '20261122' });
//   for await (const line of file) console.log(line);   // throws at the end if the signature is wrong
//   await file.saveTo('trans.txt');                      // or: written to trans.txt only once verified
//
// Lines reach your loop BEFORE the signature can be checked (it covers the whole file). If you act on
// lines as they come, be ready to undo on UmfSignatureVerificationError, or use saveTo() / text().
import { createVerify, type KeyObject } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { UmfSignatureVerificationError } from './errors.ts';

export interface SignedDownloadInit {
  body: ReadableStream<Uint8Array> | null;
  signature: string | null;
  filename: string | undefined;
  platformPublicKey: KeyObject;
  operation: string;
  requestId: string | undefined;
  /** Called once the body is consumed, cancelled or failed (frees the request's abort wiring). */
  onDone?: (() => void) | undefined;
}

export class SignedDownload implements AsyncIterable<string> {
  /** The file name the platform offered (Content-Disposition), if any. */
  readonly filename: string | undefined;
  readonly requestId: string | undefined;
  readonly #init: SignedDownloadInit;
  #consumed = false;

  constructor(init: SignedDownloadInit) {
    this.#init = init;
    this.filename = init.filename;
    this.requestId = init.requestId;
  }

  /** The raw chunks of the body as they arrive, verified when the body ends. Can be read once. */
  async *chunks(): AsyncGenerator<Uint8Array> {
    if (this.#consumed)
      throw new Error(`${this.#init.operation}: the download was already read; a SignedDownload can be read once`);
    this.#consumed = true;
    const { body, signature, platformPublicKey, operation } = this.#init;
    try {
      if (!signature) {
        throw new UmfSignatureVerificationError(
          `${operation}: the download has no Signature header, so it cannot be verified. ` +
            'A proxy may have stripped the header; download directly from the platform.',
          { requestId: this.requestId },
        );
      }
      const verifier = createVerify('sha256');
      if (body) {
        const reader = body.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            verifier.update(value);
            yield value;
          }
        } finally {
          reader.releaseLock();
        }
      }
      let ok = false;
      try {
        ok = verifier.verify(platformPublicKey, Buffer.from(signature.replace(/\s+/g, ''), 'base64'));
      } catch {
        ok = false;
      }
      if (!ok) {
        throw new UmfSignatureVerificationError(
          `${operation}: the download file does not match its Signature header. ` +
            'The file was altered or cut short on the way, or platformCertificate is not the certificate of the ' +
            'platform you are calling. Download it again; do not use the lines already read.',
          { requestId: this.requestId },
        );
      }
    } finally {
      if (body && !body.locked) await body.cancel().catch(() => {});
      this.#init.onDone?.();
    }
  }

  /** The lines of the file (without line endings), as they arrive; verified when the file ends. */
  async *lines(): AsyncGenerator<string> {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let pending = '';
    for await (const chunk of this.chunks()) {
      pending += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        yield line.endsWith('\r') ? line.slice(0, -1) : line;
      }
    }
    pending += decoder.decode();
    if (pending.length > 0) yield pending.endsWith('\r') ? pending.slice(0, -1) : pending;
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    return this.lines();
  }

  /** The whole file as text, returned only once verified. */
  async text(): Promise<string> {
    const parts: Uint8Array[] = [];
    for await (const chunk of this.chunks()) parts.push(chunk);
    return Buffer.concat(parts).toString('utf8');
  }

  /**
   * Streams the file to `path`, through `path + '.part'`: the file appears under `path` only once its
   * signature has been verified; a bad or interrupted download leaves nothing behind. Returns the size.
   */
  async saveTo(path: string): Promise<{ path: string; bytes: number }> {
    const partial = `${path}.part`;
    const out = createWriteStream(partial, { flags: 'w', mode: 0o600 });
    // Listen for errors all along: a failed open (no such directory) or write can be emitted while the
    // loop waits for the network, and an 'error' nobody listens to would crash the process.
    let failed: Error | undefined;
    out.on('error', (err) => {
      failed ??= err;
    });
    let bytes = 0;
    try {
      // Open the file before reading the body: a path that cannot be written fails at once, and the
      // download is then dropped unread.
      if (out.pending) await once(out, 'ready');
    } catch (err) {
      if (!this.#consumed) {
        this.#consumed = true;
        await this.#init.body?.cancel().catch(() => {});
        this.#init.onDone?.();
      }
      await rm(partial, { force: true });
      throw err;
    }
    try {
      for await (const chunk of this.chunks()) {
        if (failed !== undefined) throw failed;
        bytes += chunk.byteLength;
        if (!out.write(chunk)) await once(out, 'drain');
      }
      if (failed !== undefined) throw failed;
      out.end();
      await once(out, 'finish');
      await rename(partial, path);
      return { path, bytes };
    } catch (err) {
      // Wait until the stream has closed its file: removing it before the open completes would let
      // the stream create it again afterwards.
      if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()).destroy());
      await rm(partial, { force: true });
      throw err;
    }
  }
}

/** The file name of a Content-Disposition header (`attachment; filename="x.txt"`). */
export function dispositionFilename(header: string | null): string | undefined {
  if (!header) return undefined;
  const m = /filename="?([^";]+)"?/i.exec(header);
  return m?.[1];
}
