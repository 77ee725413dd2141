/**
 * The UMF wire conventions for every route: raw bodies kept as bytes (signatures cover them),
 * signed responses (`reply.umf(...)`), and one error handler that answers with the catalogue.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RET, UmfError, type RetCodeEntry } from '../errors/catalogue.ts';
import { buildSignedBody } from './signed-body.ts';
import { parseJsonObject } from './request-json.ts';
import type { GatewayContext } from '../context.ts';
import type { Merchant } from '../merchants/merchant-service.ts';

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
  }
}

export function umfConventions(app: FastifyInstance, ctx: GatewayContext): void {
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
      return sendBody(this, buildSignedBody(ctx.signer, entry, result, undefined, this.request.method === 'GET'));
    },
  );

  // Every body is kept as raw bytes; routes parse it themselves (JSON or form) after the signature
  // check, so a GET with `Content-Type: application/json` and no body is fine.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    request.rawBody = body as Buffer;
    done(null, undefined);
  });

  app.setNotFoundHandler((request, reply) => {
    reply.umf(errorResult(RET.ROUTE_NOT_FOUND, RET.ROUTE_NOT_FOUND.message), RET.ROUTE_NOT_FOUND);
  });

  app.setErrorHandler((error, request, reply) => {
    const umf = toUmfError(error);
    if (umf.entry === RET.SYSTEM_ERROR) {
      request.log.error(
        { err: { message: (error as Error).message, stack: (error as Error).stack } },
        'unhandled error',
      );
    }
    const message = umf.detail ? `${umf.entry.message}: ${umf.detail}` : umf.entry.message;
    reply.code(umf.entry.http).header('content-type', 'application/json; charset=utf-8');
    sendBody(
      reply,
      buildSignedBody(ctx.signer, umf.entry, errorResult(umf.entry, message), message, request.method === 'GET'),
    );
  });
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

function toUmfError(error: unknown): UmfError {
  if (error instanceof UmfError) return error;
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
  }
  if (status === 404) return new UmfError(RET.ROUTE_NOT_FOUND);
  if (status === 405) return new UmfError(RET.METHOD_NOT_ALLOWED);
  if (status === 413) return new UmfError(RET.BODY_TOO_LARGE);
  if (status === 415) return new UmfError(RET.UNSUPPORTED_MEDIA_TYPE);
  if (status !== undefined && status >= 400 && status < 500)
    return new UmfError(RET.VALIDATION, (error as Error).message);
  return new UmfError(RET.SYSTEM_ERROR);
}
