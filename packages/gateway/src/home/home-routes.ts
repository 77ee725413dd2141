/**
 * The start page and the icon, in every mode:
 *
 *   GET /              the start page (home-page.ts), HTML in zh and en
 *   GET /favicon.svg   the icon every page links (pages/favicon.ts)
 *   GET /favicon.ico   the same icon as an ICO, for what asks for that name by itself
 *
 * The console link appears once a `GET /console` route is registered (asked at each request: the
 * router is the app's, so a console plugin registered after this one counts).
 */
import type { FastifyPluginAsync } from 'fastify';
import { API_PREFIX } from '../http/links.ts';
import { API_DOCS_PREFIX, API_DOCUMENT_PATH } from '../api-docs/api-docs-plugin.ts';
import { FAVICON_ICO_PATH, FAVICON_SVG, FAVICON_SVG_PATH, faviconIco } from '../pages/favicon.ts';
import { answerErrorsWithPages, langOf, sendHtml } from '../pages/page-kit.ts';
import { homePage, type SandboxAccessMode } from './home-page.ts';

export interface HomeRoutesDeps {
  readonly sandbox: boolean;
  /** Who may call the sandbox endpoints (config.sandboxAccess), as the page says it. */
  readonly sandboxAccess: SandboxAccessMode;
}

const CONSOLE_PATH = '/console';
/** Icons change with a release, not by the hour. */
const ICON_CACHE = 'public, max-age=86400';

export function homeRoutes(deps: HomeRoutesDeps): FastifyPluginAsync {
  const ico = faviconIco();
  return async (app) => {
    answerErrorsWithPages(app);

    app.get('/', async (request, reply) =>
      sendHtml(
        reply,
        200,
        homePage({
          lang: langOf(request),
          sandbox: deps.sandbox,
          sandboxAccess: deps.sandboxAccess,
          apiPrefix: API_PREFIX,
          docsPath: API_DOCS_PREFIX,
          openApiPath: API_DOCUMENT_PATH,
          consolePath: app.hasRoute({ method: 'GET', url: CONSOLE_PATH }) ? CONSOLE_PATH : undefined,
        }),
      ),
    );

    app.get(FAVICON_SVG_PATH, async (_request, reply) =>
      reply
        .header('content-type', 'image/svg+xml; charset=utf-8')
        .header('cache-control', ICON_CACHE)
        .header('x-content-type-options', 'nosniff')
        .send(FAVICON_SVG),
    );

    app.get(FAVICON_ICO_PATH, async (_request, reply) =>
      reply
        .header('content-type', 'image/x-icon')
        .header('cache-control', ICON_CACHE)
        .header('x-content-type-options', 'nosniff')
        .send(ico),
    );
  };
}
