/**
 * The application factory: a Fastify instance with every route plugin, built from a ready
 * GatewayContext (context.ts). Each plugin gets the services it uses. No listening, no workers:
 * `gateway.ts` does that; tests call `app.inject()` or listen on port 0.
 *
 *   /cberest/v1/oauth/authorize                 oauth/oauth-routes.ts (no token)
 *   /cberest/v1/...                             token (+ signature on POST, Idempotency-Key) then:
 *     /bank, /exchange_rate                     reference/reference-routes.ts
 *     /payments/payment...                      payments/payment-routes.ts
 *     /payments/payment/{id}/refund, /refund    refunds/refund-routes.ts
 *     /payments/.../apply_to_customs, customs   customs/customs-routes.ts
 *     /payments/transactions...                 reports/transaction-routes.ts
 *     /payments/reconciliation_statement...     settlement/reconciliation-routes.ts
 *   /checkout/...                               checkout/checkout-routes.ts (every mode)
 *   /sandbox/...                                channels/sandbox/*-routes.ts (sandbox mode only)
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { GatewayContext } from './context.ts';
import { API_PREFIX } from './http/links.ts';
import { umfConventions } from './http/umf-plugin.ts';
import { InvalidTokenLimiter, makeAuthenticate, verifySignature } from './http/authenticate.ts';
import { idempotency } from './http/idempotency.ts';
import { normaliseBody } from './http/body-normaliser.ts';
import { UMF_AJV, schemaErrorFormatter } from './http/schema-errors.ts';
import { apiDocs } from './api-docs/api-docs-plugin.ts';
import { oauthRoutes } from './oauth/oauth-routes.ts';
import { referenceDataRoutes, staticRoutes } from './reference/reference-routes.ts';
import { paymentRoutes } from './payments/payment-routes.ts';
import { refundRoutes } from './refunds/refund-routes.ts';
import { customsRoutes } from './customs/customs-routes.ts';
import { transactionRoutes } from './reports/transaction-routes.ts';
import { reconciliationRoutes } from './settlement/reconciliation-routes.ts';
import { checkoutRoutes } from './checkout/checkout-routes.ts';
import { sandboxRoutes } from './channels/sandbox/sandbox-routes.ts';
import { walletRoutes } from './channels/sandbox/wallet-routes.ts';
import { wechatRoutes } from './channels/sandbox/wechat-routes.ts';

export interface AppOptions {
  readonly context: GatewayContext;
  /** Fastify logger options; `false` for silence. Secrets are redacted either way. */
  readonly logger?: FastifyServerOptions['logger'];
}

export const REDACTED_HEADERS = [
  'req.headers.authorization',
  'req.headers.signature',
  'req.headers["idempotency-key"]',
];

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { context } = options;
  const { config, services, repositories, views, channels, pageTokens, store, clock } = context;
  const logger = options.logger === undefined ? false : options.logger;
  const app = Fastify({
    logger: logger === false || logger === true || logger === null ? logger : { ...logger, redact: REDACTED_HEADERS },
    bodyLimit: config.bodyLimit,
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: true },
    return503OnClosing: true,
    requestIdHeader: 'x-request-id',
    // Request schemas (the *-schemas.ts of each aggregate) validate bodies and queries; their errors
    // are answered with the catalogue's codes and today's wording (http/schema-errors.ts).
    ajv: UMF_AJV,
    schemaErrorFormatter,
  });
  // Answers are the signed bytes reply.umf builds (http/signed-body.ts), never serialised from their
  // response schemas, which document them (OpenAPI) and which the tests check them against: so no
  // fast-json-stringify serialiser is compiled for them (start-up time and memory for nothing).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  umfConventions(app, { signer: context.signer, platformKey: context.platform.privateKey });
  const publicUrl = () => config.publicUrl;
  // GET /cberest/v1/openapi.json and /docs: the document is built from the routes registered below.
  await apiDocs(app, { publicUrl });

  await app.register(staticRoutes);
  await app.register(
    async (api) => {
      await api.register(oauthRoutes({ oauth: services.oauth }));
      await api.register(async (authed) => {
        const authenticate = makeAuthenticate(
          (token, withKeys) => services.oauth.holderOf(token, withKeys),
          new InvalidTokenLimiter(clock),
        );
        authed.decorateRequest('merchantKeyPems', undefined);
        authed.addHook('onRequest', async (request, reply) => authenticate(request, reply));
        // A POST's signature is checked over the raw bytes before anything reads them; then its JSON
        // is parsed, key-normalised (request-json.ts) and normalised for its schema (numbers to
        // strings, blank members dropped: body-normaliser.ts), which Fastify validates it against.
        // Callback-style: a GET costs no promise here.
        authed.addHook('preValidation', (request, _reply, done) => {
          if (request.method !== 'POST') return done();
          try {
            verifySignature(request);
            const schema = request.routeOptions.schema?.body;
            request.body = schema ? normaliseBody(schema, request.umfBody()) : request.umfBody();
            done();
          } catch (error) {
            done(error as Error);
          }
        });
        idempotency(authed, { store, keys: repositories.idempotency, clock });
        await authed.register(referenceDataRoutes({ fx: channels.fx, publicUrl }));
        await authed.register(
          paymentRoutes({
            payments: services.payments,
            cards: services.cards,
            openIds: services.openIds,
            wallet: channels.wallet,
            clock,
            defaultExpireMinutes: config.defaultExpireMinutes,
          }),
        );
        await authed.register(refundRoutes({ refunds: services.refunds, render: views.refund }));
        await authed.register(customsRoutes({ customs: services.customs, render: views.customs }));
        await authed.register(reconciliationRoutes({ statements: repositories.statements }));
        await authed.register(transactionRoutes({ transactions: repositories.transactions }));
      });
    },
    { prefix: API_PREFIX },
  );
  const payerPages = {
    payments: services.payments,
    merchants: services.merchants,
    pageTokens,
  };
  await app.register(
    checkoutRoutes({ ...payerPages, cards: services.cards, wallet: channels.wallet, sandbox: config.sandbox }),
  );
  if (config.sandbox && context.sandbox) {
    const { sandbox } = context;
    const walletPayments = services.walletPayments;
    await app.register(sandboxRoutes({ payments: services.payments, walletPayments, sandbox: sandbox.repository }));
    await app.register(walletRoutes({ ...payerPages, walletPayments, wallet: sandbox.wallet }));
    await app.register(
      wechatRoutes({
        ...payerPages,
        walletPayments,
        openIds: services.openIds,
        openIdNames: repositories.openIds,
        wallet: sandbox.wallet,
      }),
    );
  }
  return app;
}
