/**
 * The application factory: a Fastify instance with every route plugin, built from a ready
 * GatewayContext. No listening, no workers: `gateway.ts` does that, tests call `app.inject()` or
 * listen on port 0.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { GatewayContext } from './context.ts';
import { API_PREFIX } from './context.ts';
import { umfConventions } from './http/umf-plugin.ts';
import { makeAuthenticate, makeVerifySignature } from './http/authenticate.ts';
import { idempotency } from './http/idempotency.ts';
import { oauthRoutes } from './oauth/oauth-routes.ts';
import { referenceDataRoutes, staticRoutes } from './reference/reference-routes.ts';
import { paymentRoutes } from './payments/payment-routes.ts';
import { refundRoutes } from './refunds/refund-routes.ts';
import { customsRoutes } from './customs/customs-routes.ts';
import { transactionRoutes } from './reports/transaction-routes.ts';
import { reconciliationRoutes } from './settlement/reconciliation-routes.ts';
import { sandboxRoutes } from './channels/sandbox/sandbox-routes.ts';

export interface AppOptions {
  readonly context: GatewayContext;
  /** Fastify logger options; `false` for silence. Secrets are redacted either way. */
  readonly logger?: FastifyServerOptions['logger'];
  /** Called after a state change commits a notification (the worker's `kick`). */
  readonly onNotification?: () => void;
}

export const REDACTED_HEADERS = [
  'req.headers.authorization',
  'req.headers.signature',
  'req.headers["idempotency-key"]',
];

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { context: ctx } = options;
  const notify = options.onNotification ?? (() => {});
  const logger = options.logger === undefined ? false : options.logger;
  const app = Fastify({
    logger: logger === false || logger === true || logger === null ? logger : { ...logger, redact: REDACTED_HEADERS },
    bodyLimit: ctx.config.bodyLimit,
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: true },
    return503OnClosing: true,
    requestIdHeader: 'x-request-id',
  });
  umfConventions(app, ctx);

  await app.register(staticRoutes);
  await app.register(
    async (api) => {
      await api.register(oauthRoutes(ctx));
      await api.register(async (authed) => {
        const authenticate = makeAuthenticate(ctx);
        const verifySignature = makeVerifySignature(ctx);
        authed.decorateRequest('merchantKeyPems', undefined);
        authed.addHook('onRequest', async (request) => authenticate(request));
        // Callback-style hooks: a GET costs no promise here.
        authed.addHook('preHandler', (request, _reply, done) => {
          if (request.method !== 'POST') return done();
          verifySignature(request).then(() => done(), done);
        });
        idempotency(authed, ctx);
        await authed.register(referenceDataRoutes(ctx));
        await authed.register(paymentRoutes(ctx, notify));
        await authed.register(refundRoutes(ctx, notify));
        await authed.register(customsRoutes(ctx, notify));
        await authed.register(reconciliationRoutes(ctx));
        await authed.register(transactionRoutes(ctx));
      });
    },
    { prefix: API_PREFIX },
  );
  if (ctx.config.sandbox) await app.register(sandboxRoutes(ctx, notify));
  await app.register((await import('./checkout/checkout-routes.ts')).pageRoutes(ctx, notify)); // people's pages: /checkout always, /sandbox/* pages in sandbox mode
  return app;
}
