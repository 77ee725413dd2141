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
 *     /enterprise_qualification...              enterprises/enterprise-routes.ts
 *   /checkout/...                               checkout/checkout-routes.ts (every mode)
 *   /, /favicon.svg, /favicon.ico               home/home-routes.ts (every mode)
 *   /console/...                                console/console-routes.ts (every mode; sessions, CSRF)
 *   /sandbox/...                                channels/sandbox/*-routes.ts (sandbox mode only; the online
 *                                               bank's pages: corporate-bank-routes.ts)
 *   /listen/v1/...                              notifications/listen-routes.ts (umf-gateway listen;
 *                                               sandbox mode only; token, no signature)
 *
 * Every answer is a catalogue code, the framework's errors included (a malformed or too long URL,
 * an unknown route, a body too large or of a content type the route does not take): signed UMF
 * JSON everywhere but on the pages (PAGE_PATHS), which answer with a page.
 * Bodies (http/umf-plugin.ts acceptBodies): JSON on the sandbox's JSON calls; on the API what real
 * clients label their JSON with; JSON or a form at the token endpoint; forms on the pages. Anything
 * else is 00060703 (415), never parsed.
 */
import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type { GatewayContext } from './context.ts';
import { API_PREFIX } from './http/links.ts';
import { acceptBodies, answerUmfError, toUmfError, umfConventions } from './http/umf-plugin.ts';
import { RET, UmfError } from './errors/catalogue.ts';
import { sendUmfErrorPage } from './pages/page-kit.ts';
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
import { enterpriseRoutes } from './enterprises/enterprise-routes.ts';
import { checkoutRoutes } from './checkout/checkout-routes.ts';
import { homeRoutes } from './home/home-routes.ts';
import { consoleRoutes } from './console/console-routes.ts';
import { sandboxRoutes } from './channels/sandbox/sandbox-routes.ts';
import { walletRoutes } from './channels/sandbox/wallet-routes.ts';
import { wechatRoutes } from './channels/sandbox/wechat-routes.ts';
import { corporateBankRoutes } from './channels/sandbox/corporate-bank-routes.ts';
import { listenRoutes } from './notifications/listen-routes.ts';
import { NotificationListeners } from './notifications/notification-listeners.ts';

export interface AppOptions {
  readonly context: GatewayContext;
  /** Fastify logger options; `false` for silence. Secrets are redacted either way. */
  readonly logger?: FastifyServerOptions['logger'];
  /**
   * The listeners of `umf-gateway listen` (sandbox mode): the same registry the notification worker
   * delivers through (gateway.ts); a registry of its own when not given.
   */
  readonly listeners?: NotificationListeners;
}

export const REDACTED_HEADERS = [
  'req.headers.authorization',
  'req.headers.signature',
  'req.headers["idempotency-key"]',
  'req.headers["listener-key"]',
];

/**
 * Query parameters that carry a token (page tokens `t`, the WeChat authorisation `state`, the JS-API
 * `paySign`, and any bearer-ish name a client might put in a URL): their values never reach a log line.
 */
export const REDACTED_QUERY_PARAMETERS: readonly string[] = [
  't',
  'state',
  'paySign',
  'pay_sign',
  'sign',
  'token',
  'access_token',
  'client_secret',
];
const REDACTED_QUERY_NAMES = new Set(REDACTED_QUERY_PARAMETERS.map((name) => name.toLowerCase()));

/** A request URL for the log: the value of every token-bearing query parameter replaced by `[REDACTED]`. */
export function redactUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const query = url
    .slice(mark + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const rawName = equals < 0 ? pair : pair.slice(0, equals);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // a malformed escape: compared as written
      }
      return equals >= 0 && REDACTED_QUERY_NAMES.has(name.toLowerCase()) ? `${rawName}=[REDACTED]` : pair;
    })
    .join('&');
  return `${url.slice(0, mark)}?${query}`;
}

/** The request as the log shows it (Fastify's own fields, the URL redacted). */
function requestForLog(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** The logger options: headers with secrets redacted, request URLs without their tokens. */
function loggerOptions(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === false || logger === null || logger === undefined) return false;
  const given = logger === true ? {} : logger;
  return { ...given, redact: REDACTED_HEADERS, serializers: { ...given.serializers, req: requestForLog } };
}

/** The page routes (HTML for a person, the start page `/` too): their errors are pages, never JSON. */
const PAGE_PATHS = /^\/((checkout|sandbox\/wallet|sandbox\/wechat|sandbox\/bank|docs|console)(\/|\?|$)|(\?|$))/;

export function isPagePath(url: string): boolean {
  return PAGE_PATHS.test(url);
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { context } = options;
  const { config, services, repositories, views, channels, pageTokens, store, clock } = context;
  /** An error of the HTTP layer or the framework, as the route's kind answers: a page or signed JSON. */
  const answerHttpError = (error: unknown, request: FastifyRequest, reply: FastifyReply) =>
    isPagePath(request.raw.url ?? '/')
      ? sendUmfErrorPage(request, reply, toUmfError(error))
      : answerUmfError(context.signer, error, request, reply);
  const app = Fastify({
    // A malformed URL (FST_ERR_BAD_URL) or a path parameter too long (FST_ERR_MAX_PARAM_LENGTH):
    // answered before routing, with the catalogue like everything else.
    frameworkErrors: (error, request, reply) => {
      answerHttpError(error, request, reply);
    },
    logger: loggerOptions(options.logger),
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
  app.setNotFoundHandler((request, reply) => answerHttpError(new UmfError(RET.ROUTE_NOT_FOUND), request, reply));
  const publicUrl = () => config.publicUrl;
  // GET /cberest/v1/openapi.json and /docs: the document is built from the routes registered below.
  await apiDocs(app, { publicUrl });
  const authenticate = makeAuthenticate(
    (token, withKeys) => services.oauth.holderOf(token, withKeys),
    new InvalidTokenLimiter(clock),
  );
  app.decorateRequest('merchantKeyPems', undefined);

  await app.register(staticRoutes);
  await app.register(
    async (api) => {
      // Signed bodies are read as JSON whatever real clients label them with: application/json,
      // text/plain, the form type PHP's curl sets by default, or nothing (the signature covers the
      // bytes, and no browser can send the Signature header cross-site). Anything else is refused.
      acceptBodies(api, ['json', 'text', 'form']);
      await api.register(async (token) => {
        // The token endpoint takes JSON or a form (oauth/oauth-routes.ts).
        acceptBodies(token, ['json', 'form', 'text']);
        await token.register(oauthRoutes({ oauth: services.oauth }));
      });
      await api.register(async (authed) => {
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
            outbound: context.outbound,
          }),
        );
        await authed.register(refundRoutes({ refunds: services.refunds, render: views.refund }));
        await authed.register(customsRoutes({ customs: services.customs, render: views.customs }));
        await authed.register(reconciliationRoutes({ statements: repositories.statements }));
        await authed.register(transactionRoutes({ transactions: repositories.transactions }));
        await authed.register(enterpriseRoutes({ enterprises: services.enterprises, render: views.enterprise }));
      });
    },
    { prefix: API_PREFIX },
  );
  const payerPages = {
    payments: services.payments,
    merchants: services.merchants,
    pageTokens,
    now: () => clock.now(),
  };
  // The pages' forms post application/x-www-form-urlencoded, and nothing else.
  const pages = async (plugin: FastifyPluginAsync) =>
    app.register(async (scope) => {
      acceptBodies(scope, ['form']);
      await scope.register(plugin);
    });
  // The sandbox SMS inbox has the codes only when the sandbox SMS gateway sends them (not a connector).
  const sandboxSms = config.sandbox && context.sandbox?.sms === channels.sms;
  const inbox = sandboxSms ? context.sandbox?.repository : undefined;
  await pages(
    checkoutRoutes({
      ...payerPages,
      cards: services.cards,
      wallet: channels.wallet,
      bankPageUrl: (order) => channels.corporateBank.paymentPageUrl(order),
      sandbox: config.sandbox,
      sandboxInbox: inbox && ((paymentId, phone) => inbox.latestSmsOf(paymentId, phone)),
    }),
  );
  await pages(homeRoutes({ sandbox: config.sandbox, sandboxAccess: config.sandboxAccess }));
  await pages(
    consoleRoutes({
      accounts: services.consoleAccounts,
      accountList: repositories.consoleAccounts,
      audit: services.audit,
      overview: repositories.overview,
      clock,
      sandbox: config.sandbox,
      publicUrl,
    }),
  );
  if (config.sandbox && context.sandbox) {
    const { sandbox } = context;
    const walletPayments = services.walletPayments;
    await app.register(
      sandboxRoutes({
        payments: services.payments,
        walletPayments,
        sandbox: sandbox.repository,
        open: config.sandboxAccess === 'public',
        holderOf: (token, withKeys) => services.oauth.holderOf(token, withKeys),
        // The sandbox bank only when it is the gateway's corporate bank (not a connector).
        corporateBank: sandbox.corporateBank === channels.corporateBank ? sandbox.corporateBank : undefined,
        now: () => clock.now(),
      }),
    );
    if (sandbox.corporateBank === channels.corporateBank) {
      await pages(
        corporateBankRoutes({
          ...payerPages,
          onlineBanking: services.onlineBanking,
          bank: sandbox.corporateBank,
        }),
      );
    }
    await pages(walletRoutes({ ...payerPages, walletPayments, wallet: sandbox.wallet }));
    await pages(
      wechatRoutes({
        ...payerPages,
        walletPayments,
        openIds: services.openIds,
        openIdNames: repositories.openIds,
        wallet: sandbox.wallet,
      }),
    );
    // JSON bodies only (the root scope's), authenticated by the routes themselves.
    await app.register(listenRoutes({ listeners: options.listeners ?? new NotificationListeners(), authenticate }));
  }
  return app;
}
