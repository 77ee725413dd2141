// A tiny test double of the UMF platform on a real node:http server (port 0): just the protocol slice the
// SDK needs, with its own response signing written independently of the SDK's code.
import { constants, privateDecrypt, sign, verify } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestKeys } from './keys.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** For POSTs: did the Signature header verify over the exact raw body bytes with the merchant key? */
  signatureValid: boolean | undefined;
}

export interface Reply {
  status: number;
  /** Result members (signed), or an error code. */
  result?: Record<string, unknown>;
  retCode?: string;
  retMsg?: string;
  /** Send this text verbatim instead. */
  rawBody?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Never answer (for timeouts). */
  hang?: boolean;
  /** Destroy the socket without answering. */
  destroy?: boolean;
}

type Override = {
  match: (req: RecordedRequest) => boolean;
  reply: Reply | ((req: RecordedRequest) => Reply);
  times: number;
};

export const CLIENT_ID = 'test-client';
export const CLIENT_SECRET = 'test-secret-do-not-log';

/** Builds a response body exactly as the wire spec describes (independent of the SDK). */
export function signedBody(
  keys: TestKeys,
  result: Record<string, unknown>,
  retCode = '0000',
  retMsg = 'success',
): string {
  const signedText = JSON.stringify(result);
  const sig = sign('sha256', Buffer.from(signedText, 'utf8'), keys.platformPrivateKey).toString('base64');
  const esc = (s: string): string => s.replace(/\{/g, '\\u007b').replace(/\}/g, '\\u007d');
  const meta =
    `{"ret_code":${esc(JSON.stringify(retCode))},"ret_msg":${esc(JSON.stringify(retMsg))},` +
    `"sign":${JSON.stringify(sig)}}`;
  return `{"meta":${meta}` + (signedText === '{}' ? '}' : ',' + signedText.slice(1));
}

export class PlatformDouble {
  readonly keys: TestKeys;
  readonly requests: RecordedRequest[] = [];
  baseUrl = '';
  encryption: 'oaep' | 'pkcs1' = 'oaep';
  tokenDelayMs = 0;
  tokenExpiresIn: number = 3600;
  /** Only the newest token is valid (a new token disables the previous one). */
  currentToken: string | undefined;
  tokensIssued = 0;
  /** Applied to every response body before it is sent (for tampering tests). */
  tamper: ((body: string) => string) | undefined;
  /** Ciphertexts received in verify calls, by field name (pkcs1 tests decrypt them with openssl). */
  lastVerifyCiphertexts: Record<string, string> = {};
  /** Plaintexts recovered in verify calls (OAEP mode). */
  lastVerifyPlaintexts: Record<string, string> = {};
  lastVerifyBody: unknown;
  readonly payments = new Map<string, Record<string, unknown>>();
  readonly #overrides: Override[] = [];
  readonly #idempotency = new Map<string, { body: string; status: number; response: string }>();
  #server: Server | undefined;
  #seq = 0;

  constructor(keys: TestKeys) {
    this.keys = keys;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const url = new URL(req.url ?? '/', 'http://localhost');
        const path = url.pathname.replace(/^\/cberest\/v1/, '');
        const sigHeader = req.headers['signature'];
        const signatureValid =
          req.method === 'POST'
            ? typeof sigHeader === 'string' &&
              verify('sha256', body, this.keys.merchantPublicKey, Buffer.from(sigHeader, 'base64'))
            : undefined;
        const rec: RecordedRequest = {
          method: req.method ?? 'GET',
          path,
          url,
          headers: req.headers,
          body,
          signatureValid,
        };
        this.requests.push(rec);
        this.#dispatch(rec, res);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}/cberest/v1`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }

  /** The next `times` requests matching `match` get `reply` instead of the normal behaviour. */
  override(
    match: (req: RecordedRequest) => boolean,
    reply: Reply | ((req: RecordedRequest) => Reply),
    times = 1,
  ): void {
    this.#overrides.push({ match, reply, times });
  }

  reset(): void {
    this.requests.length = 0;
    this.#overrides.length = 0;
    this.tamper = undefined;
    this.tokenDelayMs = 0;
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  #send(res: ServerResponse, reply: Reply): void {
    if (reply.hang) return;
    if (reply.destroy) {
      res.socket?.destroy();
      return;
    }
    let text =
      reply.rawBody ??
      (reply.retCode !== undefined && reply.retCode !== '0000'
        ? signedBody(this.keys, {}, reply.retCode, reply.retMsg ?? 'error')
        : signedBody(this.keys, reply.result ?? {}));
    if (this.tamper) text = this.tamper(text);
    const go = (): void => {
      res.writeHead(reply.status, {
        'Content-Type': 'application/json;charset=UTF-8',
        'X-Request-Id': `req_${++this.#seq}`,
        ...reply.headers,
      });
      res.end(text);
    };
    if (reply.delayMs) setTimeout(go, reply.delayMs);
    else go();
  }

  #dispatch(req: RecordedRequest, res: ServerResponse): void {
    const ov = this.#overrides.find((o) => o.times > 0 && o.match(req));
    if (ov) {
      ov.times--;
      this.#send(res, typeof ov.reply === 'function' ? ov.reply(req) : ov.reply);
      return;
    }
    if (req.method === 'POST' && !req.signatureValid) {
      this.#send(res, { status: 400, retCode: '00060710', retMsg: 'signature verification failed' });
      return;
    }
    if (req.path === '/oauth/authorize' && req.method === 'POST') {
      this.#token(req, res);
      return;
    }
    const auth = req.headers['authorization'];
    const token = typeof auth === 'string' ? auth.replace(/^Bearer\s?/, '') : undefined;
    if (!token || token !== this.currentToken) {
      this.#send(res, { status: 401, retCode: '00280703', retMsg: 'access token invalid or expired' });
      return;
    }
    const key = req.headers['idempotency-key'];
    if (req.method === 'POST' && typeof key === 'string') {
      const seen = this.#idempotency.get(key);
      const bodyText = req.body.toString('utf8');
      if (seen) {
        if (seen.body !== bodyText)
          this.#send(res, { status: 409, retCode: '00060742', retMsg: 'idempotency key reused' });
        else this.#send(res, { status: seen.status, rawBody: seen.response });
        return;
      }
      const reply = this.#route(req);
      const text =
        reply.rawBody ??
        (reply.retCode
          ? signedBody(this.keys, {}, reply.retCode, reply.retMsg)
          : signedBody(this.keys, reply.result ?? {}));
      if (reply.status < 500) this.#idempotency.set(key, { body: bodyText, status: reply.status, response: text });
      this.#send(res, { ...reply, rawBody: text });
      return;
    }
    this.#send(res, this.#route(req));
  }

  #token(req: RecordedRequest, res: ServerResponse): void {
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      /* falls through to bad credentials */
    }
    if (
      body.client_id !== CLIENT_ID ||
      body.client_secret !== CLIENT_SECRET ||
      body.grant_type !== 'client_credentials'
    ) {
      this.#send(res, { status: 401, retCode: '00280701', retMsg: 'invalid client credentials' });
      return;
    }
    const issue = (): void => {
      this.tokensIssued++;
      this.currentToken = `tok_${this.tokensIssued}_${Math.random().toString(36).slice(2)}`;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`{"access_token":"${this.currentToken}","expires_in":${this.tokenExpiresIn}}`);
    };
    if (this.tokenDelayMs) setTimeout(issue, this.tokenDelayMs);
    else issue();
  }

  #decrypt(b64: string): string {
    return privateDecrypt(
      { key: this.keys.platformPrivateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from(b64, 'base64'),
    ).toString('utf8');
  }

  #route(req: RecordedRequest): Reply {
    const json = (): Record<string, any> => JSON.parse(req.body.toString('utf8') || '{}') as Record<string, any>;
    if (req.method === 'GET' && req.path === '/bank') {
      const type = req.url.searchParams.get('type');
      return {
        status: 200,
        result: {
          banks: [
            {
              name: 'China Construction Bank',
              name_zh: '建设银行',
              code: 'CCB',
              logo_url: 'https://x/ccb.png',
              types: [type],
            },
            { name: 'Bank of China', name_zh: '中国银行', code: 'BOC', logo_url: 'https://x/boc.png', types: [type] },
          ],
        },
      };
    }
    if (req.method === 'GET' && req.path === '/exchange_rate') {
      const currency = req.url.searchParams.get('currency') ?? 'USD';
      const rates = [{ currency, rate: '6.9023' }];
      return { status: 200, result: { exchange_rates: rates, exchangeRates: rates } };
    }
    if (req.method === 'POST' && req.path === '/payments/payment') {
      const body = json();
      const dup = [...this.payments.values()].find(
        (p) =>
          (p.order as any).mer_reference_id === body.order.mer_reference_id &&
          (p.order as any).mer_date === body.order.mer_date,
      );
      if (dup) return { status: 409, retCode: '00060741', retMsg: 'duplicate order' };
      const id = `PAY_${String(++this.#seq).padStart(6, '0')}`;
      const payment: Record<string, unknown> = {
        id,
        state: 'WAIT_BUYER_PAY',
        payer: { ...body.payer, payer_info: { phone: body.payer?.payer_info?.phone } },
        order: {
          ...body.order,
          amount: {
            ...body.order.amount,
            total_cny: '690.37',
            exchange_rate: { rate: '6.9023', currency: body.order.amount.currency },
          },
        },
        notify_url: body.notify_url,
        links: [{ ref: 'self', rel: 'self', method: 'GET', href: `${this.baseUrl}/payments/payment/${id}` }],
      };
      this.payments.set(id, payment);
      return {
        status: 201,
        result: {
          payment,
          links: [
            { ref: 'self', rel: 'self', method: 'GET', href: `${this.baseUrl}/payments/payment/${id}` },
            {
              ref: 'sms_verify',
              rel: 'sms_verify',
              method: 'POST',
              href: `${this.baseUrl}/payments/payment/${id}/verify`,
            },
          ],
        },
      };
    }
    const m = /^\/payments\/payment\/([^/]+)(?:\/(verify|execute))?$/.exec(req.path);
    if (m) {
      const id = decodeURIComponent(m[1]!);
      const payment = this.payments.get(id);
      if (!payment) return { status: 404, retCode: '00060760', retMsg: 'payment not found' };
      const links = [
        { ref: 'self', rel: 'self', method: 'GET', href: `${this.baseUrl}/payments/payment/${id}` },
        { ref: 'confirm', rel: 'confirm', method: 'POST', href: `${this.baseUrl}/payments/payment/${id}/execute` },
      ];
      if (req.method === 'GET' && !m[2]) return { status: 200, result: { payment } };
      if (req.method === 'POST' && m[2] === 'verify') {
        const body = json();
        this.lastVerifyBody = body;
        const card = body.payer?.payer_info?.bank_card as Record<string, string> | undefined;
        this.lastVerifyCiphertexts = {};
        this.lastVerifyPlaintexts = {};
        if (card) {
          for (const f of ['number', 'valid_date', 'cvv2', 'payer_name', 'citizen_id_number']) {
            const v = card[f];
            if (typeof v !== 'string') continue;
            this.lastVerifyCiphertexts[f] = v;
            if (this.encryption === 'oaep') this.lastVerifyPlaintexts[f] = this.#decrypt(v);
          }
          if (this.encryption === 'oaep' && this.lastVerifyPlaintexts.number?.endsWith('0004')) {
            return { status: 402, retCode: '00200025', retMsg: 'card information incorrect' };
          }
        }
        return { status: 200, result: { payment, links } };
      }
      if (req.method === 'POST' && m[2] === 'execute') {
        const body = json();
        const code = body.payer?.payer_info?.verify_code ?? body.payer?.payer_info?.bank_card?.verify_code;
        if (code !== '123456') return { status: 402, retCode: '00200007', retMsg: 'wrong verification code' };
        payment.state = 'TRADE_SUCCESS';
        payment.execute_success_time = '2024-01-01T10:00:00+08:00';
        return { status: 200, result: { payment, links: [links[0]] } };
      }
    }
    return { status: 404, retCode: '00060760', retMsg: 'no such resource' };
  }
}
