/**
 * The bytes of every UMF response, and the bytes its signature covers.
 *
 * A response is `{"meta":{"ret_code":..,"ret_msg":..,"sign":..},<result members>}`: `meta` always
 * comes first and its strings never contain a raw `{` or `}` (they are written as \u007b, \u007d).
 * The signature covers the response WITHOUT meta, exactly as it appears in the body:
 *
 *     signed = "{" + body[end + 2 ..]   where end = index of the first "}" after "\"meta\":{"
 *     signed = "{}"                    when meta is the only member
 *
 * i.e. the compact JSON of the result members. See docs/signatures.md for a worked vector.
 */
import { createHash, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { signSha256WithRsa } from '../crypto/rsa-signature.ts';
import type { RetCodeEntry } from '../errors/catalogue.ts';

export interface ResponseSigner {
  /**
   * The base64 signature of `text`: a string at once when it is known, else a promise of it.
   * `remember: false` for bytes that will not be asked for again (a new payment's 201): no digest,
   * no cache entry.
   */
  sign(text: string, remember?: boolean): string | Promise<string>;
}

/**
 * SHA256withRSA on libuv's thread pool (crypto.sign with a callback): the RSA private-key operation
 * runs on another core while the event loop serves other requests. The key stays a KeyObject of this
 * process: nothing is copied to another isolate, serialised or logged. Should the pool refuse the job,
 * it signs on the event loop instead; it rejects only when the key cannot sign at all.
 */
export function signSha256WithRsaOffThread(privateKey: KeyObject, text: string | Buffer): Promise<string> {
  const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return new Promise((resolve, reject) => {
    const onEventLoop = () => {
      try {
        resolve(signSha256WithRsa(privateKey, data));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    try {
      cryptoSign('sha256', data, privateKey, (error, signature) =>
        error ? onEventLoop() : resolve(signature.toString('base64')),
      );
    } catch {
      onEventLoop();
    }
  });
}

export interface CachingResponseSignerOptions {
  /** How many signatures of recent byte strings to keep (default 20 000). */
  readonly capacity?: number;
  /** Sign on libuv's thread pool (default) rather than on the event loop. */
  readonly offThread?: boolean;
}

/**
 * Signs result JSON with the platform key, remembering signatures of recently signed byte strings:
 * polling an unchanged payment costs a hash on the event loop and no round trip, not an RSA
 * operation. A miss is signed off the event loop (see signSha256WithRsaOffThread) unless
 * `offThread: false`; the same bytes asked for twice while being signed share one signing.
 */
export class CachingResponseSigner implements ResponseSigner {
  readonly #key: KeyObject;
  readonly #cache = new Map<string, string>();
  readonly #pending = new Map<string, Promise<string>>();
  readonly #capacity: number;
  readonly #offThread: boolean;
  constructor(privateKey: KeyObject, options: CachingResponseSignerOptions = {}) {
    this.#key = privateKey;
    this.#capacity = options.capacity ?? 20_000;
    this.#offThread = options.offThread ?? true;
  }
  sign(resultJson: string, remember = true): string | Promise<string> {
    if (!remember)
      return this.#offThread
        ? signSha256WithRsaOffThread(this.#key, resultJson)
        : signSha256WithRsa(this.#key, resultJson);
    const digest = createHash('sha256').update(resultJson).digest('base64');
    const hit = this.#cache.get(digest);
    if (hit !== undefined) return hit;
    if (!this.#offThread) {
      const signature = signSha256WithRsa(this.#key, resultJson);
      this.#remember(digest, signature);
      return signature;
    }
    const pending = this.#pending.get(digest);
    if (pending) return pending;
    const signing = signSha256WithRsaOffThread(this.#key, resultJson).then(
      (signature) => {
        this.#pending.delete(digest);
        this.#remember(digest, signature);
        return signature;
      },
      (error: unknown) => {
        this.#pending.delete(digest);
        throw error;
      },
    );
    this.#pending.set(digest, signing);
    return signing;
  }
  #remember(digest: string, signature: string): void {
    if (this.#cache.size >= this.#capacity) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(digest, signature);
  }
}

function metaString(value: string): string {
  return JSON.stringify(value).replace(/[{}]/g, (c) => (c === '{' ? '\\u007b' : '\\u007d'));
}

/** `"ret_code":..,"ret_msg":..` of the catalogue's own messages, written once. */
const metaHeads = new Map<string, string>();

function metaHead(code: string, message: string): string {
  const key = `${code}\u0000${message}`;
  let head = metaHeads.get(key);
  if (head === undefined) {
    head = `"ret_code":${metaString(code)},"ret_msg":${metaString(message)}`;
    // Messages with details (validation errors) vary: keep only a bounded number of them.
    if (metaHeads.size < 1000) metaHeads.set(key, head);
  }
  return head;
}

/**
 * The signed body of a result: a string when the signer answers at once (a cache hit, or a signer on
 * the event loop), else a promise of it.
 */
export function buildSignedBody(
  signer: ResponseSigner,
  entry: RetCodeEntry,
  result: Record<string, unknown>,
  message?: string,
  remember = true,
): string | Promise<string> {
  const resultJson = JSON.stringify(result);
  const sign = signer.sign(resultJson, remember);
  const msg = message ?? entry.message;
  return typeof sign === 'string'
    ? withMeta(entry.code, msg, sign, resultJson)
    : sign.then((s) => withMeta(entry.code, msg, s, resultJson));
}

function withMeta(code: string, message: string, sign: string, resultJson: string): string {
  // A base64 signature has no character JSON or meta would escape.
  const meta = `{${metaHead(code, message)},"sign":"${sign}"}`;
  return resultJson === '{}' ? `{"meta":${meta}}` : `{"meta":${meta},${resultJson.slice(1)}`;
}

/** The inverse, for tests and for anyone verifying a raw body: the exact text that was signed. */
export function signedTextOf(body: string): string {
  const start = body.indexOf('"meta":{');
  if (start < 0) throw new Error('no meta member');
  const end = body.indexOf('}', start);
  return body[end + 1] === ',' ? '{' + body.slice(end + 2) : '{}';
}
