/**
 * The console, served by the gateway at /console (HTML for people; forms post
 * application/x-www-form-urlencoded):
 *
 *   GET  /console                     the overview (every account; a merchant user sees its merchant)
 *   GET  /console/audit               the audit log (operators)
 *   GET  /console/accounts            the console's accounts (admins)
 *   GET  /console/login, POST         sign in (throttled: console/account-service.ts)
 *   POST /console/logout              end this session
 *   POST /console/logout-everywhere   end every session of the account
 *   GET  /console/theme?to=, /lang?to= remember a theme or a language in a cookie, then go back
 *
 * Every POST is checked before its handler: its Origin (or Referer) must be this gateway, and its
 * `csrf` field the session's token (the sign-in form: the token of its `umf_console_login` cookie);
 * else a 403 page. What an account may open is decided by `can` (account-record.ts) in `allowed`.
 */
import { timingSafeEqual } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { answerErrorsWithPages, field, formOf, nonce } from '../pages/page-kit.ts';
import { pageCsp } from '../pages/layout.ts';
import type { Clock } from '../time/clock.ts';
import { chinaDate, chinaInstant } from '../time/china-time.ts';
import { can, merchantScopeOf, type Permission } from './account-record.ts';
import type { AccountRepository } from './account-repository.ts';
import { ABSOLUTE_MS, type ConsoleAccountService, type LiveSession } from './account-service.ts';
import type { AuditService } from './audit-service.ts';
import type { OverviewRepository } from './overview-repository.ts';
import { CONSOLE_PATH, shellPage, type Theme } from './console-shell-page.ts';
import { accountsContent, auditContent, loginPage, overviewContent, refusalPage } from './console-pages.ts';
import { t, type ConsoleLang, type TextKey } from './console-texts.ts';

export const SESSION_COOKIE = 'umf_console';
export const LOGIN_COOKIE = 'umf_console_login';
export const THEME_COOKIE = 'umf_console_theme';
export const LANG_COOKIE = 'umf_console_lang';
const AUDIT_PAGE = 50;
const DAY_MS = 24 * 3600_000;

export interface ConsoleRoutesDeps {
  readonly accounts: ConsoleAccountService;
  readonly accountList: AccountRepository;
  readonly audit: AuditService;
  readonly overview: OverviewRepository;
  readonly clock: Clock;
  readonly sandbox: boolean;
  /** The gateway's public URL (its origin is accepted on POSTs; https there marks cookies Secure). */
  readonly publicUrl: () => string;
}

export function cookiesOf(request: FastifyRequest): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) {
      try {
        out.set(name, decodeURIComponent(part.slice(eq + 1).trim()));
      } catch {
        out.set(name, part.slice(eq + 1).trim());
      }
    }
  }
  return out;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A path inside the console to come back to (never another site: no `//`, no scheme). */
export function consoleReturnPath(text: string | undefined): string {
  if (!text || !/^\/console(\/[A-Za-z0-9_\-/]*)?(\?[^#\s]*)?$/.test(text) || text.includes('//')) return CONSOLE_PATH;
  return text;
}

/**
 * A console page: the pages' strict headers (CSP with the script's nonce, no framing, no caching),
 * but `Referrer-Policy: same-origin` rather than `no-referrer`: with no-referrer Chromium sends
 * `Origin: null` on the forms' POSTs, which the Origin check must refuse. Console URLs carry no token.
 */
function sendHtml(reply: FastifyReply, status: number, body: string, scriptNonce?: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', pageCsp(scriptNonce))
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin')
    .header('vary', 'Accept-Language, Cookie')
    .send(body);
}

export function consoleRoutes(deps: ConsoleRoutesDeps): FastifyPluginAsync {
  const sessions = new WeakMap<FastifyRequest, LiveSession>();

  const isHttps = (request: FastifyRequest) => request.protocol === 'https' || deps.publicUrl().startsWith('https:');
  const cookie = (request: FastifyRequest, name: string, value: string, maxAgeSeconds: number, httpOnly = true) =>
    [
      `${name}=${encodeURIComponent(value)}`,
      'Path=/console',
      `Max-Age=${maxAgeSeconds}`,
      httpOnly ? 'HttpOnly' : '',
      'SameSite=Lax',
      isHttps(request) ? 'Secure' : '',
    ]
      .filter(Boolean)
      .join('; ');

  const langOf = (request: FastifyRequest): ConsoleLang => {
    const query = (request.query as Record<string, string | undefined>).lang;
    if (query === 'zh' || query === 'en') return query;
    const saved = cookiesOf(request).get(LANG_COOKIE);
    if (saved === 'zh' || saved === 'en') return saved;
    return /^\s*zh/i.test(request.headers['accept-language'] ?? '') ? 'zh' : 'en';
  };
  const themeOf = (request: FastifyRequest): Theme => {
    const saved = cookiesOf(request).get(THEME_COOKIE);
    return saved === 'dark' || saved === 'light' ? saved : undefined;
  };

  /** Whether a POST comes from a page of this gateway (Origin, else Referer; neither: the token decides). */
  const sameOrigin = (request: FastifyRequest): boolean => {
    const allowed = new Set([`${request.protocol}://${request.host}`]);
    try {
      allowed.add(new URL(deps.publicUrl()).origin);
    } catch {
      // no public URL: the request's own origin only
    }
    const origin = request.headers.origin;
    if (origin !== undefined) return allowed.has(origin);
    const referer = request.headers.referer;
    if (referer === undefined) return true;
    try {
      return allowed.has(new URL(referer).origin);
    } catch {
      return false;
    }
  };

  const refuse = (request: FastifyRequest, reply: FastifyReply, kind: 'forbidden' | 'csrf' | 'notFound') =>
    sendHtml(reply, kind === 'notFound' ? 404 : 403, refusalPage(langOf(request), themeOf(request), kind));

  /** The session when its account may `permission`; else the answer is sent (sign in, or 403). */
  const allowed = (request: FastifyRequest, reply: FastifyReply, permission: Permission): LiveSession | undefined => {
    const session = sessions.get(request);
    if (!session) {
      const ended = cookiesOf(request).has(SESSION_COOKIE);
      const next = consoleReturnPath(request.url);
      const query = new URLSearchParams(next === CONSOLE_PATH ? {} : { next });
      if (ended) query.set('ended', '1');
      const search = query.toString();
      void reply
        .code(303)
        .header('set-cookie', ended ? [cookie(request, SESSION_COOKIE, '', 0)] : [])
        .header('cache-control', 'no-store')
        .redirect(`${CONSOLE_PATH}/login${search ? `?${search}` : ''}`, 303);
      return undefined;
    }
    if (!can(session.account, permission)) {
      void refuse(request, reply, 'forbidden');
      return undefined;
    }
    return session;
  };

  const page = async (
    request: FastifyRequest,
    reply: FastifyReply,
    session: LiveSession,
    current: TextKey,
    content: ReturnType<typeof overviewContent>,
  ) => {
    const lang = langOf(request);
    const scriptNonce = nonce();
    return sendHtml(
      reply,
      200,
      shellPage({
        lang,
        theme: themeOf(request),
        account: session.account,
        csrfToken: session.csrfToken,
        sandbox: deps.sandbox,
        current,
        title: t(lang, current),
        here: consoleReturnPath(request.url),
        sessions: await deps.accounts.liveSessions(session.account),
        nonce: scriptNonce,
        content,
      }),
      scriptNonce,
    );
  };

  const loginForm = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: { email?: string; notice?: { kind: 'error' | 'info' | 'ok'; text: string }; next?: string } = {},
  ) => {
    const token = randomBytes(24).toString('base64url');
    return sendHtml(
      reply.header('set-cookie', [cookie(request, LOGIN_COOKIE, token, 3600)]),
      status,
      loginPage({ lang: langOf(request), theme: themeOf(request), csrfToken: token, ...extra }),
    );
  };

  return async (app) => {
    answerErrorsWithPages(app);

    app.addHook('preHandler', async (request, reply) => {
      if (!request.url.startsWith(CONSOLE_PATH)) return;
      const session = await deps.accounts.session(cookiesOf(request).get(SESSION_COOKIE));
      if (session) sessions.set(request, session);
      if (request.method !== 'POST') return;
      if (!sameOrigin(request)) return refuse(request, reply, 'csrf');
      const token = field(formOf(request), 'csrf');
      const isLogin = request.routeOptions.url === `${CONSOLE_PATH}/login`;
      const expected = isLogin ? cookiesOf(request).get(LOGIN_COOKIE) : session?.csrfToken;
      if (!expected || !token || !sameText(token, expected)) return refuse(request, reply, 'csrf');
    });

    app.get(CONSOLE_PATH, async (request, reply) => {
      const session = allowed(request, reply, 'view');
      if (!session) return reply;
      const now = deps.clock.now();
      const merchantId = merchantScopeOf(session.account);
      const todayStart = chinaInstant(chinaDate(now), 0);
      const [byState, byMethod, notifications, reviews, merchants] = await Promise.all([
        deps.overview.paymentsSince(todayStart, 'state', merchantId),
        deps.overview.paymentsSince(todayStart, 'payment_method', merchantId),
        deps.overview.notificationsSince(now - DAY_MS, merchantId),
        deps.overview.pendingReviews(merchantId),
        merchantId === undefined ? deps.overview.merchantCount() : Promise.resolve(undefined),
      ]);
      const content = overviewContent(langOf(request), { byState, byMethod, notifications, reviews, merchants });
      return page(request, reply, session, 'overview', content);
    });

    app.get(`${CONSOLE_PATH}/audit`, async (request, reply) => {
      const session = allowed(request, reply, 'operator-pages');
      if (!session) return reply;
      const before = /^(\d{1,16}):([A-Z0-9_]{1,60})$/.exec((request.query as Record<string, string>).before ?? '');
      const entries = await deps.audit.list({
        limit: AUDIT_PAGE + 1,
        before: before ? { at: Number(before[1]), id: before[2]! } : undefined,
        merchantId: merchantScopeOf(session.account),
      });
      const shown = entries.slice(0, AUDIT_PAGE);
      const last = shown[shown.length - 1];
      const older = entries.length > AUDIT_PAGE && last ? `${last.at}:${last.id}` : undefined;
      return page(request, reply, session, 'auditLog', auditContent(langOf(request), shown, older, Boolean(before)));
    });

    app.get(`${CONSOLE_PATH}/accounts`, async (request, reply) => {
      const session = allowed(request, reply, 'admin');
      if (!session) return reply;
      const accounts = await deps.accountList.list();
      return page(request, reply, session, 'operators', accountsContent(langOf(request), accounts));
    });

    app.get(`${CONSOLE_PATH}/login`, async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const next = consoleReturnPath(query.next);
      if (sessions.get(request)) return reply.redirect(next, 303);
      const lang = langOf(request);
      const notice =
        query.out === 'all'
          ? { kind: 'ok' as const, text: t(lang, 'signedOutEverywhere') }
          : query.out
            ? { kind: 'ok' as const, text: t(lang, 'signedOut') }
            : query.ended
              ? { kind: 'info' as const, text: t(lang, 'sessionEnded') }
              : undefined;
      return loginForm(request, reply, 200, {
        ...(notice ? { notice } : {}),
        ...(next !== CONSOLE_PATH ? { next } : {}),
      });
    });

    app.post(`${CONSOLE_PATH}/login`, async (request, reply) => {
      const form = formOf(request);
      const email = field(form, 'email');
      const password = form.get('password') ?? '';
      const next = consoleReturnPath(field(form, 'next'));
      const lang = langOf(request);
      const result = await deps.accounts.login(email, password, request.ip);
      const keep = { email, ...(next !== CONSOLE_PATH ? { next } : {}) };
      if (!result.ok && result.reason === 'throttled') {
        const seconds = Math.ceil(result.retryAfterMs / 1000);
        reply.header('retry-after', String(seconds));
        return loginForm(request, reply, 429, {
          ...keep,
          notice: { kind: 'error', text: t(lang, 'throttled', { seconds }) },
        });
      }
      if (!result.ok) {
        return loginForm(request, reply, 401, { ...keep, notice: { kind: 'error', text: t(lang, 'wrongPassword') } });
      }
      return reply
        .header('set-cookie', [
          cookie(request, SESSION_COOKIE, result.sessionId, ABSOLUTE_MS / 1000),
          cookie(request, LOGIN_COOKIE, '', 0),
        ])
        .header('cache-control', 'no-store')
        .redirect(next, 303);
    });

    const signOut = (everywhere: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
      const session = sessions.get(request);
      if (!session) return refuse(request, reply, 'csrf');
      if (everywhere) await deps.accounts.logoutEverywhere(session, request.ip);
      else await deps.accounts.logout(session, request.ip);
      return reply
        .header('set-cookie', [cookie(request, SESSION_COOKIE, '', 0)])
        .header('cache-control', 'no-store')
        .redirect(`${CONSOLE_PATH}/login?out=${everywhere ? 'all' : '1'}`, 303);
    };
    app.post(`${CONSOLE_PATH}/logout`, signOut(false));
    app.post(`${CONSOLE_PATH}/logout-everywhere`, signOut(true));

    // Preferences: a cookie and back to the page (not a state of the platform: no token needed).
    app.get(`${CONSOLE_PATH}/theme`, async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const to = query.to === 'dark' || query.to === 'light' ? query.to : 'light';
      return reply
        .header('set-cookie', [cookie(request, THEME_COOKIE, to, 365 * 86400)])
        .redirect(consoleReturnPath(query.back), 303);
    });
    app.get(`${CONSOLE_PATH}/lang`, async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const to = query.to === 'zh' ? 'zh' : 'en';
      return reply
        .header('set-cookie', [cookie(request, LANG_COOKIE, to, 365 * 86400)])
        .redirect(consoleReturnPath(query.back), 303);
    });
  };
}
