// SHA256withRSA (RSASSA-PKCS1-v1_5 over SHA-256) signatures: request signing, the exact signed bytes of a
// response, and verification.
import { sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { UmfSignatureVerificationError } from './errors.ts';
import type { ResponseMeta } from './types.ts';

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** Base64 SHA256withRSA signature of `data` (a string is signed as its UTF-8 bytes). */
export function signBytes(data: string | Uint8Array, privateKey: KeyObject): string {
  return sign('sha256', toBytes(data), privateKey).toString('base64');
}

/** Verifies a base64 SHA256withRSA signature. Never throws on malformed input; returns false instead. */
export function verifyBytes(data: string | Uint8Array, signatureBase64: string, publicKey: KeyObject): boolean {
  if (typeof signatureBase64 !== 'string') return false;
  // Some Java encoders wrap base64 at 76 columns: whitespace is not significant.
  const trimmed = signatureBase64.replace(/\s+/g, '');
  if (trimmed.length === 0 || !/^[A-Za-z0-9+/\-_]+={0,2}$/.test(trimmed)) return false;
  try {
    return verify('sha256', toBytes(data), publicKey, Buffer.from(trimmed, 'base64'));
  } catch {
    return false;
  }
}

const META_PREFIX = '{"meta":{';

export interface SignedParts {
  /** The text of the `meta` object, `{...}`. */
  metaText: string;
  /** The exact text whose UTF-8 bytes `meta.sign` covers: the response without `meta`. */
  signedText: string;
}

/**
 * Splits a raw response body into its meta object and the signed text, per the wire spec:
 * `end = body.indexOf('}', body.indexOf('"meta":{'))` ends the meta object (meta strings never contain a
 * raw brace); if `body[end + 1] === ','` the signed text is `'{' + body.slice(end + 2)`, otherwise `'{}'`.
 *
 * Returns undefined unless `meta` is the FIRST member of the body (`{"meta":{` at the start, leading
 * whitespace allowed): accepting members before `meta` would let anyone prepend unsigned members.
 */
export function extractSignedParts(rawBody: string): SignedParts | undefined {
  const start = rawBody.length - rawBody.trimStart().length;
  if (!rawBody.startsWith(META_PREFIX, start)) return undefined;
  const metaOpen = start + META_PREFIX.length - 1;
  const end = rawBody.indexOf('}', metaOpen);
  if (end < 0) return undefined;
  const metaText = rawBody.slice(metaOpen, end + 1);
  const signedText = rawBody[end + 1] === ',' ? '{' + rawBody.slice(end + 2) : '{}';
  return { metaText, signedText };
}

/** Just the signed text (see `extractSignedParts`); undefined if the body does not start with `{"meta":{`. */
export function extractSignedText(rawBody: string): string | undefined {
  return extractSignedParts(rawBody)?.signedText;
}

/** Parses the meta object of a response without trusting anything else; undefined if there is none. */
export function readMeta(rawBody: string): ResponseMeta | undefined {
  const parts = extractSignedParts(rawBody);
  let meta: unknown;
  if (parts) {
    try {
      meta = JSON.parse(parts.metaText);
    } catch {
      meta = undefined;
    }
  }
  if (meta === undefined) {
    // Not the canonical layout (an error page, or a body with meta elsewhere): used only to map errors.
    try {
      const whole: unknown = JSON.parse(rawBody);
      if (whole && typeof whole === 'object') meta = (whole as { meta?: unknown }).meta;
    } catch {
      return undefined;
    }
  }
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) return undefined;
  return meta as ResponseMeta;
}

export interface VerifiedResponse {
  meta: ResponseMeta;
  /** The result members, parsed from exactly the bytes the signature covers. */
  data: Record<string, unknown>;
  signedText: string;
}

const CERT_HINT =
  'Likely causes: (1) platformCertificate is not the certificate of the platform at baseUrl (sandbox vs ' +
  'production, or an old certificate after a key rotation); (2) something between you and the platform (a proxy, ' +
  'a gateway, a TLS-intercepting firewall) altered the response body.';

/**
 * Verifies a response body's `meta.sign` over its signed text with the platform public key and returns the
 * meta and the result members. Throws UmfSignatureVerificationError when anything does not check out.
 */
export function verifyResponseBody(
  rawBody: string,
  platformPublicKey: KeyObject,
  context: { httpStatus?: number; requestId?: string | undefined; operation?: string } = {},
): VerifiedResponse {
  const where = context.operation ? `${context.operation}: ` : '';
  const fail = (why: string): UmfSignatureVerificationError =>
    new UmfSignatureVerificationError(`${where}${why}`, {
      httpStatus: context.httpStatus,
      requestId: context.requestId,
      rawBody,
    });

  const parts = extractSignedParts(rawBody);
  if (!parts) {
    throw fail(
      'response signature cannot be checked: the body does not start with {"meta":{ . ' +
        'Is baseUrl pointing at a UMF API (…/cberest/v1), and is no proxy rewriting the JSON?',
    );
  }
  let meta: ResponseMeta;
  try {
    meta = JSON.parse(parts.metaText) as ResponseMeta;
  } catch {
    throw fail('response meta object is not valid JSON. ' + CERT_HINT);
  }
  if (typeof meta.sign !== 'string' || meta.sign.length === 0) {
    throw fail('response has no meta.sign, so it cannot be verified. ' + CERT_HINT);
  }
  if (!verifyBytes(parts.signedText, meta.sign, platformPublicKey)) {
    throw fail('response signature (meta.sign) does not verify with the platform certificate. ' + CERT_HINT);
  }
  let data: unknown;
  try {
    data = JSON.parse(parts.signedText);
  } catch {
    throw fail('the signed part of the response is not valid JSON. ' + CERT_HINT);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw fail('the signed part of the response is not a JSON object');
  }
  return { meta, data: data as Record<string, unknown>, signedText: parts.signedText };
}

/**
 * Builds a response body the way the platform does (for test doubles): `{"meta":{...}` followed by the
 * result members, with `meta.sign` over `JSON.stringify(result)`. Braces inside meta strings are escaped.
 */
export function buildSignedResponseBody(
  result: Record<string, unknown>,
  privateKey: KeyObject,
  meta: { ret_code: string; ret_msg: string } = { ret_code: '0000', ret_msg: 'success' },
): string {
  const signedText = JSON.stringify(result);
  const sign = signBytes(signedText, privateKey);
  const metaText = JSON.stringify({ ret_code: meta.ret_code, ret_msg: meta.ret_msg, sign })
    .replace(/\{/g, (m, offset: number) => (offset === 0 ? m : '\\u007b'))
    .replace(/\}/g, (m, offset: number, whole: string) => (offset === whole.length - 1 ? m : '\\u007d'));
  return '{"meta":' + metaText + (signedText === '{}' ? '}' : ',' + signedText.slice(1));
}
