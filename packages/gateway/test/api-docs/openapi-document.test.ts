/**
 * The OpenAPI document: an app with every /cberest/v1 route and its schema (stub handlers) and the
 * docs plugin, in the gateway's wire conventions (no content-type parsers, UMF not-found and error
 * handlers). GET /cberest/v1/openapi.json must be a valid OpenAPI 3.1 document (checked with
 * @seriousme/openapi-schema-validator), list every route with its operation, its request body and its
 * answers, name the main objects in components.schemas, and explain the integration in
 * info.description. The docs routes need no token; the app's other conventions keep working; and a
 * route with a response schema still sends the exact bytes its handler built (signatures cover them).
 */
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { Validator } from '@seriousme/openapi-schema-validator';

import { buildSchemaApp } from '../helpers/schema-app.ts';
import { API_ROUTES } from '../../src/api-docs/api-operations.ts';
import { API_DOCUMENT_PATH } from '../../src/api-docs/api-docs-plugin.ts';
import { Payment } from '../../src/payments/payment-schemas.ts';

const PUBLIC_URL = 'https://gateway.example';

/** `/payments/payment/:id/verify` -> `/payments/payment/{id}/verify`. */
const openapiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

describe('the OpenAPI document', () => {
  let app: FastifyInstance;
  let doc: any;
  let text: string;

  before(async () => {
    app = await buildSchemaApp({
      publicUrl: PUBLIC_URL,
      handler: (route) => (_request, reply) =>
        // A payment in another member order than the schema's: the bytes must stay as built.
        route.url === '/payments/payment/:id'
          ? reply.umf({ payment: { links: [], id: 'PAY_X', state: 'WAIT_BUYER_PAY' } })
          : reply.umf({}),
    });
    const res = await app.inject({ method: 'GET', url: API_DOCUMENT_PATH });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    text = res.body;
    doc = JSON.parse(text);
  });
  after(async () => app?.close());

  test('is a valid OpenAPI 3.1 document', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(validator.version, '3.1');
  });

  test('has the gateway as its server and bearer tokens as its security scheme', () => {
    assert.deepEqual(
      doc.servers.map((s: { url: string }) => s.url),
      [`${PUBLIC_URL}/cberest/v1`],
    );
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, {
      ...doc.components.securitySchemes.bearerAuth,
      type: 'http',
      scheme: 'bearer',
    });
  });

  test('lists every route, with its operation, parameters, body and answers', () => {
    const operations = new Set<string>();
    for (const route of API_ROUTES) {
      const path = openapiPath(route.url);
      const op = doc.paths[path]?.[route.method.toLowerCase()];
      assert.ok(op, `${route.method} ${path} is in the document`);
      assert.equal(op.operationId, route.schema.operationId);
      assert.ok(!operations.has(op.operationId), `operationId ${op.operationId} is unique`);
      operations.add(op.operationId);
      assert.ok(op.summary && op.description, `${op.operationId} has a summary and a description`);
      assert.ok(op.tags?.length === 1, `${op.operationId} has a tag`);
      const ok = Object.keys(op.responses).find((s) => /^2\d\d$/.test(s));
      assert.ok(ok, `${op.operationId} has a success answer`);
      assert.ok(op.responses['4XX'] && op.responses['5XX'], `${op.operationId} documents its error answers`);
      if (route.url.includes(':id'))
        assert.ok(
          op.parameters.some((p: any) => p.in === 'path' && p.name === 'id' && p.required),
          `${op.operationId} documents its path parameter`,
        );
      if (route.url === '/oauth/authorize') {
        assert.deepEqual(op.security, [], 'no token to get a token');
        assert.deepEqual(Object.keys(op.requestBody.content).sort(), [
          'application/json',
          'application/x-www-form-urlencoded',
        ]);
      } else {
        assert.deepEqual(op.security, [{ bearerAuth: [] }]);
      }
      if (route.method === 'POST' && route.url !== '/oauth/authorize') {
        assert.ok(op.requestBody.content['application/json'].schema, `${op.operationId} has a body schema`);
        const headers = op.parameters.filter((p: any) => p.in === 'header').map((p: any) => [p.name, p.required]);
        assert.deepEqual(headers, [
          ['signature', true],
          ['idempotency-key', false],
        ]);
      }
      if (route.url.endsWith('_download')) {
        const file = op.responses['200'];
        assert.ok(file.content['text/plain'], `${op.operationId} answers a text file`);
        assert.ok(file.headers.signature, `${op.operationId} documents the Signature header`);
      }
    }
    assert.equal(operations.size, API_ROUTES.length);
    // Nothing else than the API: the docs' own routes are hidden.
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item as object).map((m) => `${m.toUpperCase()} ${path}`),
    );
    assert.deepEqual(documented.sort(), API_ROUTES.map((r) => `${r.method} ${openapiPath(r.url)}`).sort());
  });

  test('names the main objects in components.schemas and refers to them', () => {
    const names = Object.keys(doc.components.schemas);
    for (const name of [
      'Payment',
      'Refund',
      'CustomsDeclaration',
      'Amount',
      'OrderAmount',
      'Link',
      'Meta',
      'ErrorAnswer',
      'Pagination',
      'CreatePaymentRequest',
      'CreateRefundRequest',
      'CreateCustomsDeclarationRequest',
      'TokenAnswer',
      'Transactions',
      'Reconciliations',
      'Bank',
    ])
      assert.ok(names.includes(name), `components.schemas.${name}`);
    assert.ok(!names.some((n) => n.startsWith('def-')), `every component is named: ${names.join(', ')}`);
    const create = doc.paths['/payments/payment'].post;
    assert.equal(
      create.requestBody.content['application/json'].schema.$ref,
      '#/components/schemas/CreatePaymentRequest',
    );
    assert.equal(
      create.responses['201'].content['application/json'].schema.$ref,
      '#/components/schemas/PaymentLinksAnswer',
    );
    // Every $ref of the document resolves.
    const refs = [...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(refs.length > 50);
    for (const ref of new Set(refs)) {
      assert.match(ref, /^#\/components\/schemas\/[A-Za-z0-9._-]+$/);
      assert.ok(doc.components.schemas[ref.split('/').pop()!], `${ref} resolves`);
    }
    // The annotations travel with the schemas.
    assert.equal(
      doc.components.schemas.PaymentAmountInput.properties.currency['x-umf-code'].enum,
      'CURRENCY_NOT_ACCEPTED',
    );
  });

  test('explains the integration in info.description', () => {
    const md: string = doc.info.description;
    for (const needle of [
      'client_credentials',
      'Bearer<token>',
      '00280703',
      'SHA256withRSA',
      'Signature',
      'exact UTF-8 bytes',
      'signed = "{" + body[end + 2 ..]',
      'RSA-OAEP with SHA-256',
      'PKCS#1 v1.5',
      'citizen_id_number',
      'Idempotency-Key',
      'docs/errors.md',
      'ret_code=0000',
      '0002',
      '0003',
      '0004',
      '0005',
      'Luhn',
      'GET /sandbox/sms',
      'POST /sandbox/payments/{id}/pay',
      '.13',
      'ends in `13`',
    ])
      assert.ok(md.includes(needle), `info.description mentions ${needle}`);
  });

  test('is served without a token, as is the API reference', async () => {
    const docs = await app.inject({ method: 'GET', url: '/docs' });
    assert.equal(docs.statusCode, 200);
    assert.match(String(docs.headers['content-type']), /^text\/html/);
    const csp = String(docs.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    // Nothing from another site: every source is this origin, data: (embedded images and fonts) or the
    // public URL of the gateway itself (try-it-out calls).
    for (const directive of csp.split(';').map((d) => d.trim())) {
      for (const source of directive.split(/\s+/).slice(1))
        assert.ok(
          ["'self'", "'none'", "'unsafe-inline'", 'data:', PUBLIC_URL].includes(source),
          `${directive}: ${source}`,
        );
    }
    const bundle = await app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    assert.equal(bundle.statusCode, 200);
    assert.ok(bundle.body.length > 100_000, 'the Swagger UI bundle is served from local files');
  });

  test("leaves the app's conventions alone: UMF not-found answers, raw bodies, exact answer bytes", async () => {
    const missing = await app.inject({ method: 'GET', url: '/cberest/v1/nothing' });
    assert.equal(missing.statusCode, 404);
    assert.equal(JSON.parse(missing.body).meta.ret_code, '00060704');
    // A response schema is attached to GET /payments/payment/:id: the string the handler built is sent as it is.
    const res = await app.inject({ method: 'GET', url: '/cberest/v1/payments/payment/PAY_X' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(
      res.body,
      '{"meta":{"ret_code":"0000","ret_msg":"Successful","sign":"c2lnbmVk"},' +
        '"payment":{"links":[],"id":"PAY_X","state":"WAIT_BUYER_PAY"}}',
    );
    // A JSON body that is not an object is still the parser's 00060701.
    const notObject = await app.inject({
      method: 'POST',
      url: '/cberest/v1/payments/payment',
      headers: { 'content-type': 'application/json' },
      payload: '[1]',
    });
    assert.equal(JSON.parse(notObject.body).meta.ret_code, '00060701', notObject.body);
    void Payment;
  });
});
