// Notifications the platform POSTs to the merchant's notify_url: verify the `Signature` header over the
// RAW body, parse the event, and build the reply.
import { UmfApiError, UmfSignatureVerificationError } from './errors.ts';
import { loadPrivateKey, loadPublicKey } from './keys.ts';
import type { CertificateInput, PrivateKeyInput } from './keys.ts';
import { signBytes, verifyBytes } from './signing.ts';
import type { CustomsDeclaration, Payment, Refund } from './types.ts';

export type UmfNotification =
  | { type: 'payment'; payment: Payment; data: Record<string, unknown> }
  | { type: 'refund'; refund: Refund; data: Record<string, unknown> }
  | { type: 'customs_declaration'; customs_declaration: CustomsDeclaration; data: Record<string, unknown> }
  | { type: 'unknown'; data: Record<string, unknown> };

export interface VerifyNotificationParams {
  /** The request body exactly as received: a Buffer (best) or the string decoded as UTF-8. */
  rawBody: string | Uint8Array;
  /** The `Signature` request header (`req.headers['signature']`). */
  signature: string | readonly string[] | null | undefined;
  /** The platform certificate (PEM/DER), or a public KeyObject. */
  platformCertificate: CertificateInput;
}

const RAW_BODY_HINT =
  'Verify the RAW request body bytes exactly as received. If a framework parsed the JSON for you ' +
  "(e.g. express.json(), body-parser, fastify's default parser) and you re-serialised it with JSON.stringify, " +
  'the bytes differ and the signature cannot verify: capture the raw body instead ' +
  '(express.raw({ type: "*/*" }), or read the request stream yourself).';

/**
 * Verifies a notification's signature with the platform certificate and returns the parsed, typed event.
 * Throws UmfSignatureVerificationError (with a message explaining the likely fix) when it does not verify.
 */
export function verifyNotification(params: VerifyNotificationParams): UmfNotification {
  const { rawBody, platformCertificate } = params;
  if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) {
    throw new UmfSignatureVerificationError(
      `verifyNotification: rawBody must be a string or a Buffer, got ${rawBody === null ? 'null' : typeof rawBody}. ` +
        RAW_BODY_HINT,
    );
  }
  const header: unknown = Array.isArray(params.signature) ? params.signature[0] : params.signature;
  if (typeof header !== 'string' || header.trim() === '') {
    throw new UmfSignatureVerificationError(
      'verifyNotification: the request has no Signature header. Pass req.headers["signature"]; a request without ' +
        'one does not come from the platform.',
    );
  }
  const publicKey = loadPublicKey(platformCertificate);
  if (!verifyBytes(rawBody, header, publicKey)) {
    const text = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
    let message = 'verifyNotification: the Signature header does not verify over the request body. ';
    if (looksReserialised(text)) message += 'The body looks re-serialised. ';
    message +=
      RAW_BODY_HINT +
      ' Also check that platformCertificate is the certificate of the platform sending the notifications ' +
      '(sandbox vs production).';
    throw new UmfSignatureVerificationError(message);
  }
  return parseNotification(rawBody);
}

/** Heuristic for the error message only: "[object Object]" or an empty body after a parser consumed it. */
function looksReserialised(text: string): boolean {
  return text === '[object Object]' || text === '' || text === '{}';
}

function parseNotification(rawBody: string | Uint8Array): UmfNotification {
  const text = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UmfApiError('verifyNotification: the signature verifies but the body is not JSON');
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new UmfApiError('verifyNotification: the signature verifies but the body is not a JSON object');
  }
  const obj = data as Record<string, unknown>;
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if (isObj(obj.payment)) return { type: 'payment', payment: obj.payment as unknown as Payment, data: obj };
  if (isObj(obj.refund)) return { type: 'refund', refund: obj.refund as unknown as Refund, data: obj };
  if (isObj(obj.customs_declaration)) {
    return {
      type: 'customs_declaration',
      customs_declaration: obj.customs_declaration as unknown as CustomsDeclaration,
      data: obj,
    };
  }
  return { type: 'unknown', data: obj };
}

export interface NotificationReply {
  statusCode: number;
  contentType: string;
  body: string;
}

/**
 * The merchant's answer to a notification. `ok` (default true) answers 200 with
 * `{"meta":{"ret_code":"0000","ret_msg":"success"}}`; `ok = false` asks the platform to deliver again
 * (HTTP 500, ret_code "9999"). `format: 'text'` gives the demo shop's `ret_code=0000&ret_msg=success`.
 */
export function notificationReply(ok = true, message?: string, format: 'json' | 'text' = 'json'): NotificationReply {
  const retCode = ok ? '0000' : '9999';
  const retMsg = message ?? (ok ? 'success' : 'failure');
  const statusCode = ok ? 200 : 500;
  if (format === 'text') {
    return {
      statusCode,
      contentType: 'text/plain; charset=utf-8',
      body: `ret_code=${retCode}&ret_msg=${encodeURIComponent(retMsg)}`,
    };
  }
  return {
    statusCode,
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify({ meta: { ret_code: retCode, ret_msg: retMsg } }),
  };
}

export interface SignTestNotificationParams {
  /**
   * The notification, e.g. `{ payment: {...} }`; an object is serialised with JSON.stringify, a string is
   * used as-is.
   */
  payload: Record<string, unknown> | string;
  /** The private key matching the certificate your handler verifies with (a test key, never production's). */
  platformPrivateKey: PrivateKeyInput;
}

/** For merchants' own tests: a body and the Signature header the platform would send for it. */
export function signTestNotification(params: SignTestNotificationParams): { body: string; signature: string } {
  const body = typeof params.payload === 'string' ? params.payload : JSON.stringify(params.payload);
  return { body, signature: signBytes(body, loadPrivateKey(params.platformPrivateKey)) };
}
