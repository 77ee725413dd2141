/**
 * The console's pages: sign-in, the overview (figures from the database), the audit log, the
 * accounts list, and the refusals (403, 404) in the console's own frame.
 */
import { html, raw, type Raw } from '../pages/layout.ts';
import { chinaReadable } from '../time/china-time.ts';
import type { ConsoleAccount } from './account-record.ts';
import type { AuditEntry } from './audit-repository.ts';
import type { CountBy, NotificationHealth, PendingReviews } from './overview-repository.ts';
import { CONSOLE_PATH, consoleDocument, langLink, roleText, themeLink, type Theme } from './console-shell-page.ts';
import { actionName, t, type ConsoleLang } from './console-texts.ts';

export interface LoginPageOptions {
  readonly lang: ConsoleLang;
  readonly theme: Theme;
  readonly csrfToken: string;
  readonly email?: string;
  readonly notice?: { readonly kind: 'error' | 'info' | 'ok'; readonly text: string };
  readonly next?: string;
}

function notice(n: { readonly kind: 'error' | 'info' | 'ok'; readonly text: string }): Raw {
  return html`<p class="notice ${n.kind}" role="${n.kind === 'error' ? 'alert' : 'status'}">${n.text}</p>`;
}

export function loginPage(o: LoginPageOptions): string {
  const { lang } = o;
  const here = `${CONSOLE_PATH}/login`;
  const body = html`<main class="login">
    <div class="login-box">
      <div class="login-brand"><span class="logo" aria-hidden="true">UMF</span><span>${t(lang, 'console')}</span></div>
      <div class="card">
        <h1>${t(lang, 'signInTitle')}</h1>
        <p class="lead">${t(lang, 'signInLead')}</p>
        ${o.notice ? notice(o.notice) : ''}
        <form method="post" action="${CONSOLE_PATH}/login">
          <input type="hidden" name="csrf" value="${o.csrfToken}" />
          ${o.next ? html`<input type="hidden" name="next" value="${o.next}" />` : ''}
          <div class="field">
            <label for="email">${t(lang, 'email')}</label>
            <input
              id="email"
              name="email"
              type="email"
              autocomplete="username"
              required
              value="${o.email ?? ''}"
              ${o.email ? '' : raw('autofocus')}
            />
          </div>
          <div class="field">
            <label for="password">${t(lang, 'password')}</label>
            <input
              id="password"
              name="password"
              type="password"
              autocomplete="current-password"
              required
              ${o.email ? raw('autofocus') : ''}
            />
          </div>
          <button class="primary" type="submit">${t(lang, 'signIn')}</button>
        </form>
        <p class="hint">${t(lang, 'noAccount')}</p>
      </div>
      <div class="login-foot">
        <a href="/">umf-gateway</a>
        <span>${themeLink(lang, o.theme, here)} ${langLink(lang, here)}</span>
      </div>
    </div>
  </main>`;
  return consoleDocument({ lang, theme: o.theme, title: `${t(lang, 'signInTitle')} · ${t(lang, 'console')}`, body });
}

/** The refusal pages: 403 (role), 403 (CSRF), 404, each a full page with a way back. */
export function refusalPage(lang: ConsoleLang, theme: Theme, kind: 'forbidden' | 'csrf' | 'notFound'): string {
  const title = t(lang, kind === 'forbidden' ? 'forbiddenTitle' : kind === 'csrf' ? 'csrfTitle' : 'notFoundTitle');
  const body = html`<main class="login">
    <div class="login-box">
      <div class="login-brand"><span class="logo" aria-hidden="true">UMF</span><span>${t(lang, 'console')}</span></div>
      <div class="card">
        <h1>${title}</h1>
        <p class="lead">${t(lang, kind)}</p>
        <a class="tool" href="${CONSOLE_PATH}">${t(lang, 'backToOverview')}</a>
      </div>
    </div>
  </main>`;
  return consoleDocument({ lang, theme, title: `${title} · ${t(lang, 'console')}`, body });
}

export interface OverviewFigures {
  readonly byState: readonly CountBy[];
  readonly byMethod: readonly CountBy[];
  readonly notifications: NotificationHealth;
  readonly reviews: PendingReviews;
  /** Operators only. */
  readonly merchants?: number | undefined;
}

const STATE_TONE: Readonly<Record<string, string>> = {
  TRADE_SUCCESS: 'ok',
  WAIT_BUYER_PAY: 'info',
  TRADE_CLOSED: '',
  TRADE_CANCEL: 'warn',
  TRADE_FAIL: 'bad',
};

/** The payment state that counts as a success (payments/payment-state.ts). */
const PAID_STATES = new Set(['TRADE_SUCCESS']);

function number(lang: ConsoleLang, n: number): string {
  return n.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US');
}

function breakdown(lang: ConsoleLang, rows: readonly CountBy[], column: 'state' | 'method', tones: boolean): Raw {
  const total = rows.reduce((sum, r) => sum + r.count, 0);
  if (total === 0) {
    return html`<div class="empty"><strong>${t(lang, 'noPaymentsYet')}</strong>${t(lang, 'emptyPayments')}</div>`;
  }
  return html`<div
    class="table-wrap"
    tabindex="0"
    role="region"
    aria-label="${t(lang, column === 'state' ? 'byState' : 'byMethod')}"
  >
    <table class="data">
      <thead>
        <tr>
          <th scope="col">${t(lang, column)}</th>
          <th scope="col" class="num">${t(lang, 'count')}</th>
          <th scope="col">${t(lang, 'share')}</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map((r) => {
          const label = (key: string) =>
            tones
              ? html`<span class="pill ${STATE_TONE[key] ?? ''}">${key}</span>`
              : html`<span class="mono">${key}</span>`;
          const share = Math.round((r.count / total) * 1000) / 10;
          return html`<tr>
            <td>${label(r.key)}</td>
            <td class="num">${number(lang, r.count)}</td>
            <td>
              <div class="bar" role="img" aria-label="${share} %">
                <span style="width:${Math.max(share, 2)}%"></span>
              </div>
            </td>
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}

export function overviewContent(lang: ConsoleLang, f: OverviewFigures): Raw {
  const total = f.byState.reduce((sum, r) => sum + r.count, 0);
  const paid = f.byState.filter((r) => PAID_STATES.has(r.key)).reduce((sum, r) => sum + r.count, 0);
  const rate = total === 0 ? '–' : `${(Math.round((paid / total) * 1000) / 10).toFixed(1)} %`;
  const n = f.notifications;
  const reviews = f.reviews.enterprises + f.reviews.documents;
  const merchantsPill =
    f.merchants === undefined
      ? ''
      : html`<span class="pill">${t(lang, 'merchantsCount')} ${number(lang, f.merchants)}</span>`;
  return html`<p class="lead">${t(lang, 'today')}</p>
    <section class="cards" aria-label="${t(lang, 'overview')}">
      <div class="card">
        <div class="stat-label">${t(lang, 'paymentsToday')}</div>
        <div class="stat" data-figure="payments-today">${number(lang, total)}</div>
        <div class="stat-sub">
          ${f.byMethod.length > 0 ? f.byMethod.map((m) => `${m.key} ${m.count}`).join(' · ') : t(lang, 'noPaymentsYet')}
        </div>
      </div>
      <div class="card">
        <div class="stat-label">${t(lang, 'successRate')}</div>
        <div class="stat" data-figure="success-rate">${rate}</div>
        <div class="stat-sub">${t(lang, 'successOf', { paid: number(lang, paid), total: number(lang, total) })}</div>
      </div>
      <div class="card">
        <div class="stat-label">${t(lang, 'notificationHealth')} · ${t(lang, 'last24h')}</div>
        <div class="stat" data-figure="notifications-total">
          ${number(lang, n.delivered + n.retrying + n.queued + n.failed)}
        </div>
        <div class="pills">
          <span class="pill ok" data-figure="notifications-delivered"
            >${t(lang, 'delivered')} ${number(lang, n.delivered)}</span
          >
          <span class="pill warn" data-figure="notifications-retrying"
            >${t(lang, 'retrying')} ${number(lang, n.retrying + n.queued)}</span
          >
          <span class="pill bad" data-figure="notifications-failed"
            >${t(lang, 'failed')} ${number(lang, n.failed)}</span
          >
        </div>
      </div>
      <div class="card">
        <div class="stat-label">${t(lang, 'pendingReviews')}</div>
        <div class="stat" data-figure="pending-reviews">${number(lang, reviews)}</div>
        <div class="pills">
          <span class="pill ${f.reviews.enterprises ? 'info' : ''}"
            >${t(lang, 'enterprisesPending')} ${number(lang, f.reviews.enterprises)}</span
          >
          <span class="pill ${f.reviews.documents ? 'info' : ''}"
            >${t(lang, 'documentsPending')} ${number(lang, f.reviews.documents)}</span
          >
          ${merchantsPill}
        </div>
      </div>
    </section>
    <div class="grid2">
      <section class="card">
        <h2>${t(lang, 'byState')}</h2>
        ${breakdown(lang, f.byState, 'state', true)}
      </section>
      <section class="card">
        <h2>${t(lang, 'byMethod')}</h2>
        ${breakdown(lang, f.byMethod, 'method', false)}
      </section>
    </div>`;
}

function detailText(entry: AuditEntry): string {
  if (!entry.detail) return '';
  return Object.entries(entry.detail)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

export function auditContent(
  lang: ConsoleLang,
  entries: readonly AuditEntry[],
  older: string | undefined,
  paged: boolean,
): Raw {
  if (entries.length === 0) {
    return html`<p class="lead">${t(lang, 'auditLead')}</p>
      <div class="card empty"><strong>${t(lang, 'emptyAudit')}</strong></div>`;
  }
  return html`<p class="lead">${t(lang, 'auditLead')}</p>
    <div class="table-wrap" tabindex="0" role="region" aria-label="${t(lang, 'auditLog')}">
      <table class="data" aria-label="${t(lang, 'auditLog')}">
        <thead>
          <tr>
            <th scope="col">${t(lang, 'when')}</th>
            <th scope="col">${t(lang, 'who')}</th>
            <th scope="col">${t(lang, 'action')}</th>
            <th scope="col">${t(lang, 'subject')}</th>
            <th scope="col">${t(lang, 'address')}</th>
            <th scope="col">${t(lang, 'detail')}</th>
          </tr>
        </thead>
        <tbody>
          ${entries.map(
            (e) =>
              html`<tr data-action="${e.action}">
                <td class="nowrap mono">${chinaReadable(e.at).slice(0, 19)}</td>
                <td>${e.actor}</td>
                <td>
                  <span class="pill ${e.action === 'login_failed' ? 'bad' : e.action === 'login' ? 'ok' : ''}"
                    >${actionName(lang, e.action)}</span
                  >
                </td>
                <td class="mono">${e.subject ?? ''}</td>
                <td class="mono nowrap">${e.address ?? ''}</td>
                <td class="detail">${detailText(e)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <div class="pager">
      ${paged ? html`<a class="tool" href="${CONSOLE_PATH}/audit">${t(lang, 'newest')}</a>` : ''}
      ${older ? html`<a class="tool" href="${CONSOLE_PATH}/audit?before=${older}">${t(lang, 'older')}</a>` : ''}
    </div>`;
}

export function accountsContent(lang: ConsoleLang, accounts: readonly ConsoleAccount[]): Raw {
  return html`<p class="lead">${t(lang, 'operatorsLead')}</p>
    <div class="table-wrap" tabindex="0" role="region" aria-label="${t(lang, 'operators')}">
      <table class="data">
        <thead>
          <tr>
            <th scope="col">${t(lang, 'email')}</th>
            <th scope="col">${t(lang, 'kind')}</th>
            <th scope="col">${t(lang, 'role')}</th>
            <th scope="col">${t(lang, 'created')}</th>
          </tr>
        </thead>
        <tbody>
          ${accounts.map(
            (a) =>
              html`<tr>
                <td>${a.email}</td>
                <td>${t(lang, a.kind === 'operator' ? 'operator' : 'merchantUserKind')}</td>
                <td>${roleText(lang, a)}</td>
                <td class="mono nowrap">${chinaReadable(a.createdAt).slice(0, 19)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}
