/**
 * The start page (`/`): what this gateway is, links to the API reference (`/docs`) and the OpenAPI
 * document, the console (shown as coming until a console route exists), and in sandbox mode the
 * sandbox endpoints, who may call them, and the test values. Live mode shows no sandbox help.
 */
import { html, renderPage, type Lang, type Raw } from '../pages/layout.ts';
import { t } from '../pages/i18n.ts';
import { langLink } from '../pages/common.ts';
import { sandboxTestValues } from '../pages/sandbox-help.ts';

export type SandboxAccessMode = 'loopback' | 'token' | 'public';

export interface HomePageInput {
  readonly lang: Lang;
  readonly sandbox: boolean;
  readonly sandboxAccess: SandboxAccessMode;
  readonly apiPrefix: string;
  readonly docsPath: string;
  readonly openApiPath: string;
  /** The console's path once it exists; undefined: shown as coming. */
  readonly consolePath: string | undefined;
}

const ACCESS_TEXT = {
  loopback: 'sandboxAccessLoopback',
  token: 'sandboxAccessToken',
  public: 'sandboxAccessPublic',
} as const;

function linkCard(testId: string, href: string, title: string, note: string): Raw {
  return html`<a class="card linkcard" href="${href}" data-testid="${testId}">
    <span class="linktitle">${title} <span aria-hidden="true">→</span></span>
    <span class="muted">${note}</span>
    <code>${href}</code>
  </a>`;
}

function sandboxSections(input: HomePageInput): Raw {
  const { lang } = input;
  const endpoint = (method: string, path: string, text: Raw) =>
    html`<dt><code>${method} ${path}</code></dt>
      <dd>${text}</dd>`;
  return html`<section class="card" aria-labelledby="sandbox-endpoints" data-testid="sandbox-endpoints">
      <h2 id="sandbox-endpoints">
        <span class="badge sandbox">${t(lang, 'sandbox')}</span> ${t(lang, 'sandboxEndpoints')}
      </h2>
      <dl class="endpoints">
        ${endpoint(
          'GET',
          '/sandbox/sms?phone=PHONE',
          html`${t(lang, 'sandboxSmsEndpoint')} <code>{"messages":[{"phone","code","payment_id","sent_at"}]}</code>`,
        )}
        ${endpoint(
          'POST',
          '/sandbox/payments/{id}/pay',
          html`${t(lang, 'sandboxPayEndpoint')}
            <code>{"outcome":"success"|"fail","provider":"WECHAT"|"ALIPAY"}</code
            >${lang === 'zh' ? '。' : '. '}${t(lang, 'sandboxPayCards')}`,
        )}
      </dl>
      <p class="muted" data-testid="sandbox-access">${t(lang, ACCESS_TEXT[input.sandboxAccess])}</p>
    </section>
    <section class="card help" aria-labelledby="help-title" data-testid="sandbox-help">
      <h2 id="help-title"><span class="badge sandbox">${t(lang, 'sandbox')}</span> ${t(lang, 'sandboxHelpTitle')}</h2>
      ${sandboxTestValues(lang)}
    </section>`;
}

export function homePage(input: HomePageInput): string {
  const { lang } = input;
  const consoleCard = input.consolePath
    ? linkCard('link-console', input.consolePath, t(lang, 'consoleTitle'), t(lang, 'consoleNote'))
    : html`<div class="card linkcard coming" aria-disabled="true" data-testid="console-coming">
        <span class="linktitle">${t(lang, 'consoleTitle')}</span>
        <span class="muted">${t(lang, 'consoleNote')}</span>
        <span class="badge soon">${t(lang, 'consoleComing')}</span>
      </div>`;
  return renderPage({
    lang,
    title: t(lang, 'homeTitle'),
    frame: 'page',
    body: html`<header class="topbar">
        <span class="logo" aria-hidden="true">U</span>
        <span><span class="title">${t(lang, 'homeTitle')}</span><br /><small>umf-gateway</small></span>
        ${input.sandbox ? html`<span class="badge">${t(lang, 'sandbox')}</span>` : ''} ${langLink(lang, '/')}
      </header>
      <section class="card intro">
        <p>${t(lang, 'homeIntro', { prefix: input.apiPrefix })}</p>
        <p class="${input.sandbox ? 'mode sandbox' : 'mode'}" data-testid="mode">
          ${t(lang, input.sandbox ? 'modeSandbox' : 'modeLive')}
        </p>
      </section>
      <nav class="linkcards" aria-label="${t(lang, 'homeDocs')}">
        ${linkCard('link-docs', input.docsPath, t(lang, 'apiReference'), t(lang, 'apiReferenceNote'))}
        ${linkCard('link-openapi', input.openApiPath, t(lang, 'openApiDocument'), t(lang, 'openApiNote'))}
        ${consoleCard}
      </nav>
      ${input.sandbox ? sandboxSections(input) : ''}`,
  });
}
