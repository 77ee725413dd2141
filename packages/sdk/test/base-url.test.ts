// A baseUrl that does not reach the UMF API: the error names the URL and says what to change, whether the
// server answers like umf-gateway (a UMF 404 "no such resource") or like a web server (an HTML 404 or 200),
// and a proxy that serves the API under another path keeps working.
import test, { after, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UmfApiError, UmfBaseUrlError, UmfClient, UmfError, UmfNotFoundError } from '../src/index.ts';
import type { UmfClientOptions } from '../src/index.ts';
import { suggestBaseUrl } from '../src/base-url.ts';
import { makeTestKeys } from './helpers/keys.ts';
import type { TestKeys } from './helpers/keys.ts';
import { CLIENT_ID, CLIENT_SECRET, PlatformDouble } from './helpers/platform.ts';

let keys: TestKeys;
let platform: PlatformDouble;
let origin: string;

before(async () => {
  keys = makeTestKeys();
  platform = await new PlatformDouble(keys).start();
  origin = new URL(platform.baseUrl).origin;
});
after(async () => {
  await platform.stop();
  keys.cleanup();
});
beforeEach(() => platform.reset());

function client(baseUrl: string, overrides: Partial<UmfClientOptions> = {}): UmfClient {
  return new UmfClient({
    baseUrl,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    merchantPrivateKey: keys.merchantKeyP8,
    platformCertificate: keys.platformCertDer,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...overrides,
  });
}

/** Answers outside /cberest/v1 like umf-gateway's not-found handler: HTTP 404, UMF meta 00060704. */
function answerOutsideApiLikeUmfGateway(): void {
  platform.override(
    (req) => !req.url.pathname.startsWith('/cberest/v1/'),
    { status: 404, retCode: '00060704', retMsg: 'No such resource' },
    10,
  );
}

async function caught(call: () => Promise<unknown>): Promise<UmfError> {
  try {
    await call();
  } catch (err) {
    assert.ok(err instanceof UmfError, `a UmfError, got ${String(err)}`);
    return err;
  }
  assert.fail('the call succeeded');
}

test('suggestBaseUrl: the baseUrl with /cberest/v1 where it is missing; none when it is there', () => {
  assert.equal(suggestBaseUrl('http://127.0.0.1:8080'), 'http://127.0.0.1:8080/cberest/v1');
  assert.equal(suggestBaseUrl('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080/cberest/v1');
  assert.equal(suggestBaseUrl('https://uatfx.soopay.net/cberest'), 'https://uatfx.soopay.net/cberest/v1');
  assert.equal(suggestBaseUrl('https://shop.example/umf'), 'https://shop.example/umf/cberest/v1');
  assert.equal(
    suggestBaseUrl('https://uatfx.soopay.net/cberest/v1/payments/payment'),
    'https://uatfx.soopay.net/cberest/v1',
  );
  assert.equal(suggestBaseUrl('https://uatfx.soopay.net/cberest/v1'), undefined);
  assert.equal(suggestBaseUrl('https://uatfx.soopay.net/cberest/v1/'), undefined);
  assert.equal(suggestBaseUrl('https://proxy.example/umf/cberest/v1'), undefined);
});

test('without /cberest/v1 on umf-gateway: UmfBaseUrlError naming the URL and the baseUrl to use', async () => {
  answerOutsideApiLikeUmfGateway();
  const err = await caught(() => client(origin).banks.list('CREDIT_CARD'));
  assert.ok(err instanceof UmfBaseUrlError, `${err.name}: ${err.message}`);
  // Not a "not found": code treating UmfNotFoundError as "absent" must not take a wrong baseUrl for it.
  assert.equal(err instanceof UmfNotFoundError, false);
  assert.equal(
    err.message,
    `POST /oauth/authorize: HTTP 404 (No such resource, ret_code 00060704) from ${origin}/oauth/authorize. ` +
      `baseUrl "${origin}" does not end with /cberest/v1, the path of the UMF API: ` +
      `use baseUrl "${origin}/cberest/v1".`,
  );
  assert.equal(err.httpStatus, 404);
  assert.equal(err.retCode, '00060704');
  assert.equal(err.url, `${origin}/oauth/authorize`);
  assert.equal(err.baseUrl, origin);
  assert.equal(err.suggestedBaseUrl, `${origin}/cberest/v1`);
  assert.deepEqual(JSON.parse(JSON.stringify(err)).suggestedBaseUrl, `${origin}/cberest/v1`);
  // Not retried (a 404 will not change), and nothing was sent past the token request.
  assert.deepEqual(
    platform.requests.map((r) => `${r.method} ${r.url.pathname}`),
    ['POST /oauth/authorize'],
  );

  // The suggested baseUrl works.
  platform.reset();
  const banks = await client(err.suggestedBaseUrl).banks.list('CREDIT_CARD');
  assert.equal(banks[0]?.code, 'CCB');
});

test('an HTML 404 (a web server, not the API): UmfBaseUrlError, with the fix when /cberest/v1 is missing', async () => {
  platform.override(() => true, { status: 404, rawBody: '<html><h1>404 Not Found</h1></html>' }, 10);
  const err = await caught(() => client(`${origin}/api/`).exchangeRates.get('USD'));
  assert.ok(err instanceof UmfBaseUrlError, `${err.name}: ${err.message}`);
  assert.equal(
    err.message,
    `POST /oauth/authorize: HTTP 404 without a UMF response body from ${origin}/api/oauth/authorize. ` +
      `baseUrl "${origin}/api" does not end with /cberest/v1, the path of the UMF API: ` +
      `use baseUrl "${origin}/api/cberest/v1".`,
  );
  assert.equal(err.rawBody, '<html><h1>404 Not Found</h1></html>');
  assert.equal(err.retCode, undefined);
});

test('an HTML 404 with a baseUrl ending in /cberest/v1: the message says what else to check', async () => {
  platform.override(() => true, { status: 404, rawBody: 'Not Found', headers: { 'Content-Type': 'text/plain' } }, 10);
  const err = await caught(() => client(platform.baseUrl).banks.list('DEBIT_CARD'));
  assert.ok(err instanceof UmfBaseUrlError, `${err.name}: ${err.message}`);
  assert.equal(err.suggestedBaseUrl, undefined);
  assert.equal(
    err.message,
    `POST /oauth/authorize: HTTP 404 without a UMF response body from ${platform.baseUrl}/oauth/authorize. ` +
      `The server at baseUrl "${platform.baseUrl}" did not answer as the UMF API: check its host and port, ` +
      'and that a proxy in front of it forwards /cberest/v1/... unchanged.',
  );
});

test('with the right baseUrl, a UMF 404 stays an ordinary UmfNotFoundError', async () => {
  const umf = client(platform.baseUrl);
  await umf.banks.list('CREDIT_CARD'); // token
  platform.override((req) => req.path === '/bank', { status: 404, retCode: '00060704', retMsg: 'No such resource' });
  const err = await caught(() => umf.banks.list('CREDIT_CARD'));
  assert.ok(err instanceof UmfNotFoundError, `${err.name}: ${err.message}`);
  assert.equal(err instanceof UmfBaseUrlError, false);
  assert.equal(err.retCode, '00060704');
});

test('a web page answering 200 to the token request: the message suggests /cberest/v1', async () => {
  platform.override(() => true, { status: 200, rawBody: '<!doctype html><title>Shop</title>' }, 10);
  const err = await caught(() => client(origin).banks.list('CREDIT_CARD'));
  assert.ok(err instanceof UmfApiError, `${err.name}: ${err.message}`);
  assert.equal(
    err.message,
    `POST /oauth/authorize: the token response has no access_token (from ${origin}/oauth/authorize). ` +
      `baseUrl "${origin}" does not end with /cberest/v1, the path of the UMF API: ` +
      `use baseUrl "${origin}/cberest/v1".`,
  );
});

test('a proxy serving the API under another path works: the baseUrl is not checked, only answers are', async () => {
  // Forwards /umf-proxy/... to the platform's /cberest/v1/..., bytes unchanged.
  const proxy: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').replace(/^\/umf-proxy/, '/cberest/v1');
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'signature', 'content-type', 'idempotency-key', 'accept']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const body = req.method === 'POST' ? Buffer.concat(chunks) : undefined;
      fetch(`${origin}${path}`, { method: req.method ?? 'GET', headers, ...(body ? { body } : {}) })
        .then(async (upstream) => {
          res.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? 'text/plain' });
          res.end(Buffer.from(await upstream.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = proxy.address() as AddressInfo;
    const banks = await client(`http://127.0.0.1:${port}/umf-proxy`).banks.list('CREDIT_CARD');
    assert.deepEqual(
      banks.map((b) => b.code),
      ['CCB', 'BOC'],
    );
    assert.deepEqual(
      platform.requests.map((r) => `${r.method} ${r.url.pathname}`),
      ['POST /cberest/v1/oauth/authorize', 'GET /cberest/v1/bank'],
    );
  } finally {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  }
});
