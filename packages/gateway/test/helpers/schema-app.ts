/**
 * A Fastify app wired as the gateway will be once the schemas are attached: the UMF wire conventions
 * (http/umf-plugin.ts: raw bodies of the content types app.ts takes, signed answers, UMF not-found and
 * error handlers), Ajv with the UMF options and keywords, the schema error formatter, the API docs, and every
 * route of api-docs/api-operations.ts with its schema, a preValidation hook that hands the key-normalised,
 * normalised body to Ajv, and a stub handler (by default: the body it got, `{"body":...}`, 200).
 *
 *   const app = await buildSchemaApp();                    // app.inject(...) or app.listen(...)
 *   const app = await buildSchemaApp({ handler: (route) => (request, reply) => ... });
 */
import { generateKeyPairSync } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { acceptBodies, answerUmfError, umfConventions } from '../../src/http/umf-plugin.ts';
import { RET, UmfError } from '../../src/errors/catalogue.ts';
import { apiDocs } from '../../src/api-docs/api-docs-plugin.ts';
import { API_ROUTES, type ApiRoute } from '../../src/api-docs/api-operations.ts';
import { UMF_AJV, schemaErrorFormatter } from '../../src/http/schema-errors.ts';
import { normaliseBody } from '../../src/http/body-normaliser.ts';
import { normaliseKeys } from '../../src/http/request-json.ts';
import { TokenRequest } from '../../src/oauth/oauth-schemas.ts';

export type StubHandler = (request: FastifyRequest, reply: FastifyReply) => unknown;

export interface SchemaAppOptions {
  readonly publicUrl?: string;
  /** The handler of a route (default: answers `{"body": <the validated body>}`). */
  readonly handler?: (route: ApiRoute) => StubHandler;
}

/** A signer that signs nothing: the docs and schema tests are not about signatures. */
const conventions = {
  signer: { sign: () => 'c2lnbmVk' },
  platformKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
};

export async function buildSchemaApp(options: SchemaAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ ajv: UMF_AJV, schemaErrorFormatter, logger: false });
  umfConventions(app, conventions);
  // As app.ts: an unknown route is the catalogue's signed 00060704.
  app.setNotFoundHandler((request, reply) =>
    answerUmfError(conventions.signer, new UmfError(RET.ROUTE_NOT_FOUND), request, reply),
  );
  await apiDocs(app, { publicUrl: options.publicUrl ?? 'http://127.0.0.1:8080' });
  await app.register(
    (api, _options, registered) => {
      // The bodies app.ts takes under /cberest/v1 (JSON however labelled; a form at the token endpoint).
      acceptBodies(api, ['json', 'text', 'form']);
      // Where the gateway will run it: after the signature check (itself moved to preValidation), so
      // that Ajv sees the key-normalised (request-json.ts) and normalised body.
      api.addHook('preValidation', (request, _reply, done) => {
        if (request.method !== 'POST') return done();
        if (request.routeOptions.url?.endsWith('/oauth/authorize')) {
          // JSON or a form, as oauth-routes.ts reads it.
          const text = request.rawBody?.toString('utf8') ?? '';
          const form = request.headers['content-type']?.includes('application/x-www-form-urlencoded');
          const fields = form ? normaliseKeys(Object.fromEntries(new URLSearchParams(text))) : request.umfBody();
          request.body = normaliseBody(TokenRequest, fields);
          return done();
        }
        const schema = request.routeOptions.schema?.body;
        const body = request.umfBody();
        request.body = schema ? normaliseBody(schema, body) : body;
        done();
      });
      for (const route of API_ROUTES) {
        api.route({
          method: route.method,
          url: route.url,
          schema: route.schema,
          handler: options.handler?.(route) ?? ((request, reply) => reply.umf({ body: request.body ?? null })),
        });
      }
      registered();
    },
    { prefix: '/cberest/v1' },
  );
  await app.ready();
  return app;
}
