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
import { createHash, type KeyObject } from 'node:crypto';
import { signSha256WithRsa } from '../crypto/rsa-signature.ts';
import type { RetCodeEntry } from '../errors/catalogue.ts';

export interface ResponseSigner {
  sign(resultJson: string): string;
}

/**
 * Signs result JSON with the platform key, remembering signatures of recently signed byte strings:
 * polling an unchanged payment costs a hash, not an RSA operation.
 */
export class CachingResponseSigner implements ResponseSigner {
  readonly #key: KeyObject;
  readonly #cache = new Map<string, string>();
  readonly #capacity: number;
  constructor(privateKey: KeyObject, capacity = 20_000) {
    this.#key = privateKey;
    this.#capacity = capacity;
  }
  sign(resultJson: string): string {
    const digest = createHash('sha256').update(resultJson).digest('base64');
    const hit = this.#cache.get(digest);
    if (hit !== undefined) return hit;
    const signature = signSha256WithRsa(this.#key, resultJson);
    if (this.#cache.size >= this.#capacity) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(digest, signature);
    return signature;
  }
}

function metaString(value: string): string {
  return JSON.stringify(value).replace(/[{}]/g, (c) => (c === '{' ? '\\u007b' : '\\u007d'));
}

export function buildSignedBody(
  signer: ResponseSigner,
  entry: RetCodeEntry,
  result: Record<string, unknown>,
  message?: string,
): string {
  const resultJson = JSON.stringify(result);
  const sign = signer.sign(resultJson);
  const meta = `{"ret_code":${metaString(entry.code)},"ret_msg":${metaString(message ?? entry.message)},"sign":${metaString(sign)}}`;
  return resultJson === '{}' ? `{"meta":${meta}}` : `{"meta":${meta},${resultJson.slice(1)}`;
}

/** The inverse, for tests and for anyone verifying a raw body: the exact text that was signed. */
export function signedTextOf(body: string): string {
  const start = body.indexOf('"meta":{');
  if (start < 0) throw new Error('no meta member');
  const end = body.indexOf('}', start);
  return body[end + 1] === ',' ? '{' + body.slice(end + 2) : '{}';
}
