/**
 * What every page route shares (the hosted checkout, the sandbox wallet and WeChat pages): HTML
 * answers with a strict CSP and no Referer, form fields, the payer's language, QR codes, and errors
 * answered with a page (never the API's JSON or a stack trace).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { DomainError } from '../errors/domain-error.ts';
import { UmfError } from '../errors/catalogue.ts';
import { codeOf } from '../http/error-codes.ts';
import { toUmfError } from '../http/umf-plugin.ts';
import { pageCsp, pickLang, type Lang } from './layout.ts';
import { payerMessage, type PayerMessage } from './i18n.ts';
import { errorPage, type ErrorKind } from './common.ts';

export type Query = Record<string, string | undefined>;

export function nonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * An HTML page with the pages' headers. `formTarget`: the URL the page's form is answered with a
 * redirect to, when that is not this gateway (its origin joins the CSP's `form-action`).
 */
export function sendHtml(
  reply: FastifyReply,
  status: number,
  body: string,
  scriptNonce?: string,
  formTarget?: string,
): FastifyReply {
  return (
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', pageCsp(scriptNonce, formTarget))
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      // Page URLs carry their tokens: never hand them to another site in a Referer.
      .header('referrer-policy', 'no-referrer')
      .header('vary', 'Accept-Language')
      .send(body)
  );
}

export function sendError(reply: FastifyReply, lang: Lang, kind: ErrorKind, detail?: string): FastifyReply {
  const page = errorPage(lang, kind, detail);
  return sendHtml(reply, page.status, page.html);
}

/**
 * The page of an error of the HTTP layer or the framework (bad URL, URL too long, body too large,
 * unsupported content type, unknown page): the catalogue's status, the payer's wording of its code.
 * Safe before routing, when the request has no parsed query yet.
 */
export function sendUmfErrorPage(request: FastifyRequest, reply: FastifyReply, error: UmfError): FastifyReply {
  let lang: Lang;
  try {
    lang = langOf(request);
  } catch {
    lang = pickLang(undefined, request.headers['accept-language']);
  }
  const status = error.entry.http;
  const kind: ErrorKind = status === 404 ? 'pageNotFound' : status >= 500 ? 'error' : 'badRequest';
  const page = errorPage(lang, kind, kind === 'badRequest' ? payerMessage(lang, error).text : undefined);
  return sendHtml(reply, status, page.html);
}

/** The fields of an `application/x-www-form-urlencoded` POST (the only kind our forms send). */
export function formOf(request: FastifyRequest): URLSearchParams {
  return new URLSearchParams(request.rawBody ? request.rawBody.toString('utf8') : '');
}

export function field(form: URLSearchParams, name: string): string {
  return (form.get(name) ?? '').trim();
}

export function langOf(request: FastifyRequest, form?: URLSearchParams): Lang {
  const fromForm = form?.get('lang') ?? undefined;
  const query = (request.query as Query).lang;
  return pickLang(fromForm === 'zh' || fromForm === 'en' ? fromForm : query, request.headers['accept-language']);
}

/** A refusal of the domain as a payer reads it, with the HTTP status of the page. */
export interface PageRefusal {
  readonly message: PayerMessage;
  readonly status: number;
}

/** The refusal of a domain error (rethrows anything else: the page error handler answers it). */
export function refusalOf(lang: Lang, error: unknown): PageRefusal {
  if (error instanceof DomainError) return { message: payerMessage(lang, error), status: codeOf(error.reason).http };
  throw error;
}

/** Pages answer errors with a page, never the API's JSON or a stack trace. */
export function answerErrorsWithPages(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const lang = langOf(request);
    if (error instanceof DomainError && error.reason === 'payment_not_found') return sendError(reply, lang, 'notFound');
    if (error instanceof DomainError && codeOf(error.reason).http < 500) {
      return sendError(reply, lang, 'badRequest', payerMessage(lang, error).text);
    }
    // The HTTP layer's and the framework's errors: the catalogue's code and status, as a page.
    const umf = error instanceof UmfError ? error : toUmfError(error);
    if (umf.entry.http < 500) return sendUmfErrorPage(request, reply, umf);
    request.log.error({ err: { message: (error as Error).message, stack: (error as Error).stack } }, 'page error');
    return sendError(reply, lang, 'error');
  });
}

const QR_MARGIN = 2;

/**
 * A QR code as SVG, `pixelsPerModule` CSS pixels per module (a whole number, so that every module
 * lands on whole pixels and the code stays crisp): the SVG and its size in CSS pixels.
 */
export async function qrSvg(text: string, pixelsPerModule: number): Promise<{ svg: string; size: number }> {
  const modules = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules.size + 2 * QR_MARGIN;
  const size = modules * pixelsPerModule;
  const svg = await QRCode.toString(text, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: QR_MARGIN,
    width: size,
    color: { dark: '#000000', light: '#ffffff' },
  });
  return { svg, size };
}
