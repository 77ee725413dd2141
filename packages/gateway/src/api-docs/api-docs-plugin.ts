/**
 * The machine-readable description of /cberest/v1 and its interactive reference:
 *
 *   GET /cberest/v1/openapi.json   the OpenAPI 3.1 document (no authentication)
 *   GET /docs                      the API reference (Swagger UI, every asset served from this process)
 *
 * `await apiDocs(app, { publicUrl })` registers @fastify/swagger on `app` itself, so call it on the root
 * instance BEFORE the route plugins: @fastify/swagger sees the routes registered after it (their
 * `schema`: summary, tags, body, response...). It also adds the shared schemas (components.schemas) if
 * the app has not added them yet. It works in an app that removed every content-type parser and has its
 * own not-found and error handlers (http/umf-plugin.ts): it only adds GET routes.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Type from 'typebox';
import { addSharedSchemas } from '../http/schema-registry.ts';
import { API_ROUTES } from './api-operations.ts';

export const API_DOCUMENT_PATH = '/cberest/v1/openapi.json';
export const API_DOCS_PREFIX = '/docs';
const API_PREFIX = '/cberest/v1';
/** Long code spans of the guide wrap on a phone instead of widening the page. */
const DOCS_CSS = [
  '.swagger-ui .markdown code, .swagger-ui .renderedMarkdown code { overflow-wrap: anywhere; }',
  '.swagger-ui .markdown pre { overflow-x: auto; }',
].join('\n');
const VIEWPORT_META = '<meta name="viewport" content="width=device-width, initial-scale=1">';

export interface ApiDocsOptions {
  /**
   * The URL the world reaches the gateway at (`UMF_PUBLIC_URL`), read when the document is served: its
   * server is `<publicUrl>/cberest/v1`.
   */
  readonly publicUrl: string | (() => string);
  /** The version of the document (default: the gateway package's). */
  readonly version?: string;
}

/** The Markdown of `info.description`: how to integrate (tokens, signatures, encryption, errors, sandbox). */
export const API_DESCRIPTION = readFileSync(new URL('./api-description.md', import.meta.url), 'utf8');

const TAGS = [
  { name: 'OAuth', description: 'Access tokens (client credentials).' },
  { name: 'Reference data', description: 'Banks and exchange rates.' },
  { name: 'Payments', description: 'Card, WeChat, Alipay and hosted checkout payments (reference 3.2-3.6, 3.15).' },
  { name: 'Refunds', description: 'Full and partial refunds (reference 3.7-3.8).' },
  { name: 'Customs', description: 'Customs declarations of paid sub-orders (reference 3.9-3.10).' },
  { name: 'Reports', description: 'Transactions of a merchant date and their file (reference 3.11, 3.16).' },
  { name: 'Settlement', description: 'Reconciliation statements and their file (reference 3.12, 3.17).' },
  {
    name: 'Enterprises',
    description: 'Companies registered for B2B payments and their qualification (reference 4.1-4.2).',
  },
];

/** The headers of a signed POST, for the document only (the gateway checks them in its hooks). */
const SIGNED_POST_HEADERS = Type.Object({
  signature: Type.String({
    description: 'Base64 SHA256withRSA, with the merchant key, over the exact bytes of the body (00060710).',
  }),
  'idempotency-key': Type.Optional(
    Type.String({ maxLength: 255, description: 'Makes the POST safe to retry: same key, same answer (24 hours).' }),
  ),
});

/** A Content-Security-Policy that allows this origin only (and data: images and fonts Swagger UI embeds). */
export function docsContentSecurityPolicy(publicUrl: string): string {
  let api = '';
  try {
    api = ` ${new URL(publicUrl).origin}`;
  } catch {
    // A public URL that is no URL: try-it-out calls are for this origin only.
  }
  return [
    "default-src 'self'",
    "base-uri 'self'",
    `connect-src 'self'${api}`,
    "font-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "script-src 'self'",
    "script-src-attr 'none'",
    "style-src 'self' 'unsafe-inline'",
  ].join('; ');
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export async function apiDocs(app: FastifyInstance, options: ApiDocsOptions): Promise<void> {
  void API_ROUTES; // every schema module is loaded, so every shared schema is registered
  addSharedSchemas(app);
  const publicUrl = (): string =>
    (typeof options.publicUrl === 'function' ? options.publicUrl() : options.publicUrl).replace(/\/+$/, '');
  const servers = () => [{ url: `${publicUrl()}${API_PREFIX}`, description: 'This gateway' }];
  await app.register(fastifySwagger, {
    // The API's routes all carry tags; the pages (checkout, sandbox) and assets are not the API.
    hideUntagged: true,
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'UMF cross-border payment API (umf-gateway)',
        version: options.version ?? packageVersion(),
        description: API_DESCRIPTION,
      },
      servers: servers(),
      tags: TAGS,
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description:
              'The access token of POST /oauth/authorize: `Authorization: Bearer<token>` (the space is optional). ' +
              '`00280703`: fetch a new token and retry.',
          },
        },
      },
    },
    // Shared schemas keep their $id as their name in components.schemas (Payment, Refund, Link...).
    refResolver: {
      buildLocalReference: (json: { $id?: unknown }, _baseUri: unknown, _fragment: unknown, i: number) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    transform: ({ schema, url, route }) => {
      const method = Array.isArray(route.method) ? route.method[0] : route.method;
      if (!schema || method !== 'POST' || !url.startsWith(API_PREFIX) || url.endsWith('/oauth/authorize'))
        return { schema, url };
      return { schema: { ...schema, headers: SIGNED_POST_HEADERS }, url };
    },
  });

  app.get(API_DOCUMENT_PATH, { schema: { hide: true } }, (_request, reply) =>
    reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(JSON.stringify({ ...app.swagger(), servers: servers() })),
  );

  await app.register(async (docs) => {
    // Swagger UI's page has no viewport meta: phones would lay it out 980 px wide and shrink it.
    docs.addHook('onSend', (_request, reply, payload, done) => {
      const type = reply.getHeader('content-type');
      if (typeof payload === 'string' && typeof type === 'string' && type.startsWith('text/html'))
        return done(null, payload.replace('<head>', `<head>\n${VIEWPORT_META}`));
      done(null, payload);
    });
    await docs.register(fastifySwaggerUi, {
      routePrefix: API_DOCS_PREFIX,
      staticCSP: docsContentSecurityPolicy(publicUrl()),
      // The page reads /docs/json: the same document, on the public URL as it is now.
      transformSpecification: (document: Readonly<Record<string, unknown>>) => ({ ...document, servers: servers() }),
      uiConfig: {
        deepLinking: true,
        docExpansion: 'list',
        defaultModelsExpandDepth: 0,
        displayOperationId: false,
        tryItOutEnabled: false,
      },
      theme: { title: 'UMF gateway API reference', css: [{ filename: 'umf.css', content: DOCS_CSS }] },
    });
  });
}
