/**
 * The UMF wire conventions for every route: raw bodies kept as bytes (signatures cover them),
 * signed responses (`reply.umf(...)`), signed download files (`reply.signedFile(...)`), and one error
 * handler that answers with the catalogue: a DomainError through the one mapping of reasons to
 * return codes (error-codes.ts), an UmfError of the HTTP layer as it is, framework errors by kind.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KeyObject } from 'node:crypto';
import { RET, UmfError, type RetCodeEntry } from '../errors/catalogue.ts';
import { DomainError } from '../errors/domain-error.ts';
import type { Merchant } from '../merchants/merchant.ts';
import { buildSignedBody, signSha256WithRsaOffThread, type ResponseSigner } from './signed-body.ts';
import { parseJsonObject } from './request-json.ts';
import { toUmf } from './error-codes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody: Buffer | undefined;
    merchant: Merchant | undefined;
    /** The parsed, key-normalised JSON body (see request-json.ts). */
    umfBody(): Record<string, unknown>;
  }
  interface FastifyReply {
    /** Sends a signed UMF response: `{"meta":{...}, ...result}`. */
    umf(result: Record<string, unknown>, entry?: RetCodeEntry, status?: number): FastifyReply;
    /** Sends a download file signed like a notification (see signedFile below). */
    signedFile(file: SignedFile): Promise<FastifyReply>;
  }
}

export interface UmfConventionsDeps {
  /** Signs result JSON (with a cache for polled GETs). */
  readonly signer: ResponseSigner;
  /** The platform's private key: download files are signed with it. */
  readonly platformKey: KeyObject;
}

/**
 * A download file (transaction list, reconciliation statement, customs list): plain text sent as an
 * attachment, signed like a notification. The `Signature` header is base64 SHA256withRSA over the
 * exact bytes of the body with the platform key, so a merchant verifies a file with the platform
 * certificate exactly as it verifies a notification; a truncated or altered file fails verification.
 *
 *   HTTP/1.1 200 OK
 *   Content-Type: text/plain; charset=utf-8
 *   Content-Disposition: attachment; filename="TRANS_<merchant>_<date>.txt"
 *   Signature: <base64>
 *
 * Errors (a bad date, an unknown statement) are ordinary signed UMF JSON errors.
 */
export interface SignedFile {
  /** File name offered to the client (ASCII letters, digits, `_`, `-`, `.`). */
  readonly filename: string;
  /** The whole file. */
  readonly body: string;
}

/** The calling merchant (authenticated by the hook of the API scope). */
export function merchantOf(request: FastifyRequest): Merchant {
  if (!request.merchant) throw new UmfError(RET.TOKEN_INVALID);
  return request.merchant;
}

/** Whether the request takes over the Idempotency-Key of a crashed attempt of itself (idempotency.ts). */
export function resumedOf(request: FastifyRequest): { resumed: boolean } {
  return { resumed: request.idempotency?.resumed === true };
}

export function umfConventions(app: FastifyInstance, deps: UmfConventionsDeps): void {
  app.decorateRequest('rawBody', undefined);
  app.decorateRequest('merchant', undefined);
  app.decorateRequest('umfBody', function (this: FastifyRequest) {
    const cache = this as FastifyRequest & { parsedUmfBody?: Record<string, unknown> };
    cache.parsedUmfBody ??= parseJsonObject(this.rawBody);
    return cache.parsedUmfBody;
  });
  app.decorateReply(
    'umf',
    function (this: FastifyReply, result: Record<string, unknown>, entry: RetCodeEntry = RET.SUCCESS, status?: number) {
      this.code(status ?? entry.http).header('content-type', 'application/json; charset=utf-8');
      // Only GET answers are worth remembering (polling); a POST's answer is new every time.
      return sendBody(this, buildSignedBody(deps.signer, entry, result, undefined, this.request.method === 'GET'));
    },
  );
  app.decorateReply('signedFile', async function (this: FastifyReply, file: SignedFile) {
    if (!/^[A-Za-z0-9_.-]{1,200}$/.test(file.filename)) throw new Error(`unsafe download file name: ${file.filename}`);
    const bytes = Buffer.from(file.body, 'utf8');
    // Signed off the event loop (a file may be large). A signing failure rejects, so it reaches the
    // error handler as an ordinary error, and no download header is set by then.
    const signature = await signSha256WithRsaOffThread(deps.platformKey, bytes);
    return this.code(200)
      .header('content-type', 'text/plain; charset=utf-8')
      .header('content-disposition', `attachment; filename="${file.filename}"`)
      .header('cache-control', 'no-store')
      .header('signature', signature)
      .send(bytes);
  });

  // Bodies are kept as raw bytes; routes parse them themselves (JSON or form) after the signature
  // check. Which content types a scope takes is said by acceptBodies (JSON by default); a GET with
  // `Content-Type: application/json` and no body is never parsed.
  acceptBodies(app, ['json']);

  app.setErrorHandler((error, request, reply) => answerUmfError(deps.signer, error, request, reply));
}

/**
 * What a body may be labelled: JSON (`application/json`, any parameters), a form
 * (`application/x-www-form-urlencoded`) or plain text (`text/plain`, what hand-built clients label
 * their JSON with).
 */
export type BodyKind = 'json' | 'form' | 'text';

const BODY_TYPES: Readonly<Record<BodyKind, readonly [RegExp, string]>> = {
  json: [/^application\/json\s*(;|$)/i, 'application/json'],
  form: [/^application\/x-www-form-urlencoded\s*(;|$)/i, 'application/x-www-form-urlencoded'],
  text: [/^text\/plain\s*(;|$)/i, 'text/plain'],
};

/**
 * The bodies a scope's routes take, as raw bytes: the content types of `kinds`, or a body without a
 * Content-Type (hand-built requests; the route still parses it as its kind). Any other content type
 * is refused with `00060703` (415) before anything reads it.
 */
export function acceptBodies(scope: FastifyInstance, kinds: readonly BodyKind[]): void {
  scope.removeAllContentTypeParsers();
  const wanted = kinds.map((k) => BODY_TYPES[k][1]);
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    const type = request.headers['content-type']?.trim();
    if (type && !kinds.some((k) => BODY_TYPES[k][0].test(type))) {
      done(new UmfError(RET.UNSUPPORTED_MEDIA_TYPE, `send Content-Type: ${wanted.join(' or ')}`), undefined);
      return;
    }
    request.rawBody = body as Buffer;
    done(null, undefined);
  });
}

/** The signed UMF error answer of any error (the error handler of the API, and framework errors). */
export function answerUmfError(
  signer: ResponseSigner,
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const umf = toUmfError(error);
  if (umf.entry === RET.SYSTEM_ERROR) {
    request.log.error({ err: { message: (error as Error).message, stack: (error as Error).stack } }, 'unhandled error');
  }
  const message = umf.detail ? `${umf.entry.message}: ${umf.detail}` : umf.entry.message;
  reply.code(umf.entry.http).header('content-type', 'application/json; charset=utf-8');
  const body = buildSignedBody(signer, umf.entry, errorResult(umf.entry, message), message, request.method === 'GET');
  return sendBody(reply, body);
}

/**
 * Sends a body now, or when its signature is ready. Handlers `return reply.umf(...)`: a reply is a
 * thenable that settles when the response is finished, so Fastify waits for the deferred send.
 */
function sendBody(reply: FastifyReply, body: string | Promise<string>): FastifyReply {
  if (typeof body === 'string') return reply.send(body);
  body.then(
    (text) => reply.send(text),
    (error: unknown) => reply.send(error instanceof Error ? error : new Error(String(error))),
  );
  return reply;
}

/**
 * Error responses repeat their code and message in an `error` member: `meta` is not covered by the
 * signature, so this is what binds the outcome to the signature (an error answer cannot be swapped
 * for another one without breaking `meta.sign`).
 */
function errorResult(entry: RetCodeEntry, message: string): Record<string, unknown> {
  return { error: { ret_code: entry.code, ret_msg: message } };
}

/** Any error as the catalogue says it: the domain's reasons, the HTTP layer's codes, the framework's. */
export function toUmfError(error: unknown): UmfError {
  if (error instanceof UmfError || error instanceof DomainError) return toUmf(error);
  const code = (error as { code?: string }).code;
  const status = (error as { statusCode?: number }).statusCode;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new UmfError(RET.BODY_TOO_LARGE);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new UmfError(RET.UNSUPPORTED_MEDIA_TYPE);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new UmfError(RET.INVALID_JSON);
    case 'FST_ERR_BAD_URL':
      return new UmfError(RET.URL_INVALID);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new UmfError(RET.URL_TOO_LONG);
  }
  if (status === 404) return new UmfError(RET.ROUTE_NOT_FOUND);
  if (status === 405) return new UmfError(RET.METHOD_NOT_ALLOWED);
  if (status === 413) return new UmfError(RET.BODY_TOO_LARGE);
  if (status === 414) return new UmfError(RET.URL_TOO_LONG);
  if (status === 415) return new UmfError(RET.UNSUPPORTED_MEDIA_TYPE);
  if (status !== undefined && status >= 400 && status < 500)
    return new UmfError(RET.VALIDATION, (error as Error).message);
  return new UmfError(RET.SYSTEM_ERROR);
}
