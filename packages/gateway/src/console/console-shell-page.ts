/**
 * The console's frame: one self-contained HTML document (inline CSS, one inline script by nonce, the
 * gateway's own icon), light and dark themes (the system's `prefers-color-scheme`, or the choice
 * remembered in the `umf_console_theme` cookie), a sidebar that collapses behind a menu button on a
 * phone, the account and its sign-out forms (each with the session's CSRF token).
 */
import { FAVICON_SVG_PATH } from '../pages/favicon.ts';
import { esc, html, raw, type Raw } from '../pages/layout.ts';
import type { ConsoleAccount } from './account-record.ts';
import { t, type ConsoleLang, type TextKey } from './console-texts.ts';

export const CONSOLE_PATH = '/console';
export type Theme = 'light' | 'dark' | undefined;

/** The sections of the sidebar; `path` only for the pages that exist. */
export interface Section {
  readonly key: TextKey;
  readonly path?: string;
  /** Shown only to operators (merchant users see their own merchant's subset). */
  readonly operatorOnly?: boolean;
}

export const SECTIONS: readonly Section[] = [
  { key: 'overview', path: CONSOLE_PATH },
  { key: 'payments' },
  { key: 'notifications' },
  { key: 'refunds' },
  { key: 'customs' },
  { key: 'enterprises' },
  { key: 'documents' },
  { key: 'settlement' },
  { key: 'fxRates', operatorOnly: true },
  { key: 'merchants', operatorOnly: true },
  { key: 'sandboxSection', operatorOnly: true },
  { key: 'auditLog', path: `${CONSOLE_PATH}/audit`, operatorOnly: true },
];

const ICONS: Partial<Record<TextKey, string>> = {
  overview: 'M3 13h8V3H3zm10 8h8V11h-8zM3 21h8v-6H3zm10-18v6h8V3z',
  payments: 'M2 6a2 2 0 0 1 2-2h16a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2zm2 2v2h16V8zm0 6v4h16v-4z',
  notifications:
    'M12 22a2 2 0 0 0 2-2h-4a2 2 0 0 0 2 2m6-6V11a6 6 0 0 0-5-5.9V4a1 1 0 0 0-2 0v1.1A6 6 0 0 0 6 11v5l-2 2v1h16v-1z',
  refunds: 'M12 5V1L7 6l5 5V7a6 6 0 1 1-6 6H4a8 8 0 1 0 8-8',
  customs: 'M12 2 3 6v6c0 5 3.8 9.7 9 11 5.2-1.3 9-6 9-11V6z',
  enterprises:
    'M4 21V3h10v4h6v14zm2-2h2v-2H6zm0-4h2v-2H6zm0-4h2V9H6zm0-4h2V5H6zm4 12h2v-2h-2zm0-4h2v-2h-2zm0-4h2V9h-2z' +
    'm4 8h4v-2h-4zm0-4h4v-2h-4z',
  documents: 'M6 2h9l5 5v15H6zm8 1.5V8h4.5zM8 12v2h8v-2zm0 4v2h8v-2z',
  settlement: 'M4 10h3v7H4zm6.5 0h3v7h-3zM2 19h20v3H2zm15-9h3v7h-3zM12 1 2 6v2h20V6z',
  fxRates: 'M7 10 3 14l4 4v-3h7v-2H7zm14-2-4-4v3h-7v2h7v3z',
  merchants: 'M4 4h16l1 5a3 3 0 0 1-5 2 3 3 0 0 1-4 0 3 3 0 0 1-4 0 3 3 0 0 1-5-2zm1 9h14v7H5z',
  sandboxSection: 'M9 2v6L4 18a2 2 0 0 0 2 3h12a2 2 0 0 0 2-3L15 8V2zm2 2h2v4.5l2.5 5h-7l2.5-5z',
  auditLog: 'M5 3h14v18H5zm3 4v2h8V7zm0 4v2h8v-2zm0 4v2h5v-2z',
};

function icon(key: TextKey): Raw {
  const d = ICONS[key];
  return d ? raw(`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="${d}"/></svg>`) : raw('');
}

export const CONSOLE_CSS = `
:root{color-scheme:light;--bg:#f6f7f9;--panel:#fff;--panel-2:#f9fafb;--text:#111827;--muted:#6b7280;--faint:#9ca3af;
--line:#e5e7eb;--line-2:#f1f2f4;--accent:#c7000b;--accent-soft:#fdecec;--accent-text:#a3000a;--nav:#fff;
--nav-active:#f3f4f6;--ok:#0f7b3f;--ok-soft:#e7f6ed;--warn:#9a5b00;--warn-soft:#fff4db;--bad:#b42318;
--bad-soft:#fdecec;
--info:#1d4ed8;--info-soft:#eaf1ff;--shadow:0 1px 2px rgba(16,24,40,.05),0 1px 3px rgba(16,24,40,.06);--bar:#e5e7eb}
@media (prefers-color-scheme:dark){:root:not([data-theme=light]){color-scheme:dark;--bg:#0d1117;--panel:#161b22;
--panel-2:#1c2230;--text:#e6edf3;--muted:#9aa4b2;--faint:#7d8590;--line:#2a313c;--line-2:#222832;--accent:#ff5a5f;
--accent-soft:#3a1518;--accent-text:#ff8a8e;--nav:#11161d;--nav-active:#1f2630;--ok:#3fb950;--ok-soft:#12261a;
--warn:#e3b341;--warn-soft:#2d2410;--bad:#ff7b72;--bad-soft:#3b1618;--info:#79b8ff;--info-soft:#13233a;
--shadow:0 0 0 1px #2a313c;--bar:#2a313c}}
:root[data-theme=dark]{color-scheme:dark;--bg:#0d1117;--panel:#161b22;--panel-2:#1c2230;--text:#e6edf3;
--muted:#9aa4b2;
--faint:#7d8590;--line:#2a313c;--line-2:#222832;--accent:#ff5a5f;--accent-soft:#3a1518;--accent-text:#ff8a8e;
--nav:#11161d;
--nav-active:#1f2630;--ok:#3fb950;--ok-soft:#12261a;--warn:#e3b341;--warn-soft:#2d2410;--bad:#ff7b72;
--bad-soft:#3b1618;
--info:#79b8ff;--info-soft:#13233a;--shadow:0 0 0 1px #2a313c;--bar:#2a313c}
*{box-sizing:border-box}
html,body{margin:0;padding:0}
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"PingFang SC","Hiragino Sans GB","Microsoft YaHei",
"Noto Sans CJK SC",system-ui,sans-serif;background:var(--bg);color:var(--text);font-size:14px;line-height:1.5;
-webkit-font-smoothing:antialiased}
a{color:inherit}
button,input{font:inherit;color:inherit}
:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px;top:8px;background:var(--panel);padding:8px 12px;border-radius:8px;z-index:10}
.skip:focus{left:8px}
.app{display:grid;grid-template-columns:256px 1fr;min-height:100vh}
.side{background:var(--nav);border-right:1px solid var(--line);display:flex;flex-direction:column;position:sticky;
top:0;
height:100vh;overflow-y:auto}
.brand{display:flex;align-items:center;gap:8px;white-space:nowrap;padding:18px 14px 14px 16px;font-weight:700;
font-size:14.5px;
text-decoration:none}
.logo{width:34px;height:30px;border-radius:8px;font-size:11.5px;background:#c7000b;color:#fff;display:inline-flex;
align-items:center;
justify-content:center;font-weight:800;letter-spacing:0;flex:none}
.mode{margin-left:auto;font-size:11px;font-weight:600;border-radius:999px;padding:2px 8px;background:var(--warn-soft);
color:var(--warn)}
.mode.live{background:var(--ok-soft);color:var(--ok)}
nav ul{list-style:none;margin:0;padding:6px 10px}
nav li{margin:1px 0}
.nav-item{display:flex;align-items:center;gap:10px;padding:7px 10px;border-radius:8px;text-decoration:none;
color:var(--text);
font-weight:500}
a.nav-item:hover{background:var(--nav-active)}
a.nav-item[aria-current=page]{background:var(--nav-active);color:var(--accent-text);font-weight:600}
a.nav-item[aria-current=page] .icon{fill:var(--accent)}
.nav-item.soon{color:var(--faint);cursor:default}
.nav-item .icon{width:18px;height:18px;fill:var(--muted);flex:none}
.nav-item.soon .icon{fill:var(--faint)}
.nav-item small{margin-left:auto;font-size:10.5px;font-weight:600;text-transform:uppercase;letter-spacing:.04em;
border:1px solid var(--line);border-radius:999px;padding:0 6px;color:var(--muted)}
.account{margin-top:auto;border-top:1px solid var(--line);padding:14px 16px;display:flex;flex-direction:column;
gap:8px}
.who{display:flex;align-items:center;gap:10px;min-width:0}
.avatar{width:32px;height:32px;border-radius:50%;background:var(--accent-soft);color:var(--accent-text);display:flex;
align-items:center;justify-content:center;font-weight:700;flex:none;text-transform:uppercase}
.who-text{min-width:0}
.who-email{font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.who-role{font-size:12px;color:var(--muted)}
.account form{margin:0}
.linkbtn{background:none;border:0;padding:4px 0;color:var(--muted);cursor:pointer;font-size:13px;text-decoration:none}
.linkbtn:hover{color:var(--text);text-decoration:underline}
.account .row{display:flex;gap:14px;flex-wrap:wrap}
.main{min-width:0;display:flex;flex-direction:column}
.top{display:flex;align-items:center;gap:12px;padding:14px 28px;border-bottom:1px solid var(--line);
background:var(--panel);
position:sticky;top:0;z-index:2}
.top h1{font-size:18px;margin:0;font-weight:650}
.top .tools{margin-left:auto;display:flex;align-items:center;gap:6px}
.tool{display:inline-flex;align-items:center;gap:6px;border:1px solid var(--line);background:var(--panel);
border-radius:8px;
padding:5px 10px;font-size:13px;text-decoration:none;color:var(--text);cursor:pointer}
.tool:hover{background:var(--panel-2)}
.tool svg{width:16px;height:16px;fill:currentColor}
.menu{display:none}
.tool.when-dark{display:none}
@media (prefers-color-scheme:dark){.tool.when-light{display:none}.tool.when-dark{display:inline-flex}}
.pill{white-space:nowrap}
.card{overflow:hidden}
.scrim{display:none}
.content{padding:24px 28px 40px;max-width:1280px;width:100%}
.lead{color:var(--muted);margin:0 0 18px}
.cards{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:16px;margin-bottom:20px}
.card{background:var(--panel);border:1px solid var(--line);border-radius:12px;box-shadow:var(--shadow);
padding:16px 18px}
.card h2{font-size:14px;margin:0 0 12px;font-weight:600}
.stat-label{font-size:13px;color:var(--muted);font-weight:500}
.stat{font-size:28px;font-weight:700;letter-spacing:-.01em;margin:6px 0 2px;font-variant-numeric:tabular-nums}
.stat-sub{font-size:12.5px;color:var(--muted)}
.pills{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}
.pill{display:inline-flex;align-items:center;gap:5px;font-size:12px;font-weight:600;border-radius:999px;
padding:2px 9px;
background:var(--panel-2);color:var(--muted);border:1px solid var(--line)}
.pill.ok{background:var(--ok-soft);color:var(--ok);border-color:transparent}
.pill.warn{background:var(--warn-soft);color:var(--warn);border-color:transparent}
.pill.bad{background:var(--bad-soft);color:var(--bad);border-color:transparent}
.pill.info{background:var(--info-soft);color:var(--info);border-color:transparent}
.grid2{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px}
.table-wrap{overflow:auto;max-height:70vh;border:1px solid var(--line);border-radius:12px;background:var(--panel);
box-shadow:var(--shadow)}
.card .table-wrap{border:0;box-shadow:none;border-radius:0;max-height:none;margin:0 -18px -16px}
table.data{width:100%;border-collapse:separate;border-spacing:0;font-size:13.5px}
.data th{position:sticky;top:0;background:var(--panel-2);text-align:left;font-weight:600;color:var(--muted);
font-size:12px;
text-transform:uppercase;letter-spacing:.03em;padding:9px 14px;border-bottom:1px solid var(--line);white-space:nowrap;
z-index:1}
.data td{padding:10px 14px;border-bottom:1px solid var(--line-2);vertical-align:top}
.data tr:last-child td{border-bottom:0}
.data tbody tr:hover td{background:var(--panel-2)}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nowrap{white-space:nowrap}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.muted{color:var(--muted)}
.bar{height:6px;border-radius:999px;background:var(--line-2);overflow:hidden;min-width:60px}
.bar span{display:block;height:100%;background:var(--accent);border-radius:999px}
.empty{text-align:center;padding:28px 16px;color:var(--muted)}
.empty strong{display:block;color:var(--text);font-size:15px;margin-bottom:4px}
.pager{display:flex;gap:10px;justify-content:flex-end;margin-top:14px}
.notice{border-radius:10px;padding:10px 12px;margin:0 0 14px;font-size:13.5px}
.notice.ok{background:var(--ok-soft);color:var(--ok)}.notice.error{background:var(--bad-soft);color:var(--bad)}
.notice.info{background:var(--info-soft);color:var(--info)}
.detail{max-width:360px;overflow-wrap:anywhere;color:var(--muted);font-size:12.5px}
/* login */
.login{min-height:100vh;display:flex;align-items:center;justify-content:center;padding:24px 16px;
background:radial-gradient(1200px 500px at 50% -10%,var(--accent-soft),transparent 70%),var(--bg)}
.login-box{width:100%;max-width:400px}
.login-brand{display:flex;align-items:center;gap:10px;justify-content:center;font-weight:700;font-size:17px;
margin-bottom:20px}
.login .card{padding:28px 28px 24px;border-radius:14px}
.login h1{font-size:20px;margin:0 0 6px}
.login .lead{font-size:13.5px}
.field{margin:14px 0}
.field label{display:block;font-weight:600;font-size:13px;margin-bottom:6px}
.field input{width:100%;padding:10px 12px;border:1px solid var(--line);border-radius:9px;background:var(--panel);
font-size:15px}
.field input:focus{outline:2px solid var(--accent);outline-offset:0;border-color:transparent}
.primary{width:100%;border:0;border-radius:9px;padding:11px 14px;background:var(--accent);color:#fff;font-weight:650;
font-size:15px;cursor:pointer;margin-top:6px}
:root[data-theme=dark] .primary{color:#1a0a0b}
@media (prefers-color-scheme:dark){:root:not([data-theme=light]) .primary{color:#1a0a0b}}
.primary:hover{filter:brightness(1.05)}
.login-foot{display:flex;justify-content:space-between;gap:10px;margin-top:16px;font-size:12.5px;color:var(--muted)}
.login-foot a{color:var(--muted)}
.hint{font-size:12.5px;color:var(--muted);margin-top:14px}
@media (max-width:1100px){.cards{grid-template-columns:repeat(2,minmax(0,1fr))}}
@media (max-width:860px){
.app{grid-template-columns:1fr}
.side{position:fixed;inset:0 auto 0 0;width:272px;transform:translateX(-100%);transition:transform .18s ease;
z-index:20;
box-shadow:0 10px 40px rgba(0,0,0,.25)}
body.nav-open .side{transform:none}
.scrim{position:fixed;inset:0;background:rgba(0,0,0,.35);z-index:15}
.menu{display:inline-flex}
body.nav-open .scrim{display:block}
.top{padding:10px 14px}
.top h1{font-size:16px}
.tool .label{display:none}
.content{padding:16px 14px 32px}
.grid2{grid-template-columns:1fr}
.cards{gap:12px}
.stat{font-size:22px}
}
@media (max-width:420px){.cards{grid-template-columns:1fr 1fr}.card{padding:14px}}
`;

export const MENU_SCRIPT = `(function(){var b=document.getElementById('menu');var s=document.getElementById('scrim');
if(!b)return;function set(o){document.body.classList.toggle('nav-open',o);b.setAttribute('aria-expanded',String(o));}
b.addEventListener('click',function(){set(!document.body.classList.contains('nav-open'));});
if(s)s.addEventListener('click',function(){set(false);});
document.addEventListener('keydown',function(e){if(e.key==='Escape')set(false);});})();`;

export interface DocumentOptions {
  readonly lang: ConsoleLang;
  readonly theme: Theme;
  readonly title: string;
  readonly body: Raw;
  readonly nonce?: string;
  readonly script?: string;
  readonly bodyClass?: string;
}

export function consoleDocument(options: DocumentOptions): string {
  const theme = options.theme ? ` data-theme="${options.theme}"` : '';
  const script = options.script ? `<script nonce="${esc(options.nonce ?? '')}">${options.script}</script>` : '';
  return `<!doctype html>
<html lang="${options.lang === 'zh' ? 'zh-CN' : 'en'}"${theme}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${esc(options.title)}</title>
<link rel="icon" href="${FAVICON_SVG_PATH}" type="image/svg+xml">
<style>${CONSOLE_CSS}</style>
</head>
<body${options.bodyClass ? ` class="${esc(options.bodyClass)}"` : ''}>
${options.body.html}
${script}
</body>
</html>`;
}

/** Links that keep the page and flip one preference (language or theme). */
export interface ShellLinks {
  /** The current page's path and query (the preference links come back to it). */
  readonly here: string;
}

/**
 * The link that flips the theme. With no choice yet (the system's preference rules), both links are
 * there and CSS shows the one that changes something.
 */
export function themeLink(lang: ConsoleLang, theme: Theme, here: string): Raw {
  if (theme === undefined)
    return html`${oneThemeLink(lang, 'dark', here, 'when-light')}${oneThemeLink(lang, 'light', here, 'when-dark')}`;
  return oneThemeLink(lang, theme === 'dark' ? 'light' : 'dark', here, '');
}

function oneThemeLink(lang: ConsoleLang, next: 'light' | 'dark', here: string, only: string): Raw {
  const label = t(lang, next === 'dark' ? 'themeDark' : 'themeLight');
  const path =
    next === 'dark'
      ? 'M12 3a9 9 0 1 0 9 9 7 7 0 0 1-9-9'
      : 'M12 7a5 5 0 1 0 0 10 5 5 0 0 0 0-10M11 1h2v3h-2zm0 19h2v3h-2zM1 11h3v2H1zm19 0h3v2h-3z';
  return html`<a
    class="tool ${only}"
    href="${CONSOLE_PATH}/theme?to=${next}&back=${encodeURIComponent(here)}"
    aria-label="${label}"
    ><svg viewBox="0 0 24 24" aria-hidden="true"><path d="${path}" /></svg><span class="label">${label}</span></a
  >`;
}

export function langLink(lang: ConsoleLang, here: string): Raw {
  const other = lang === 'zh' ? 'en' : 'zh';
  return html`<a
    class="tool"
    href="${CONSOLE_PATH}/lang?to=${other}&back=${encodeURIComponent(here)}"
    lang="${other === 'zh' ? 'zh-CN' : 'en'}"
    title="${t(lang, 'otherLangName')}"
    >${t(lang, 'otherLang')}</a
  >`;
}

export interface ShellOptions {
  readonly lang: ConsoleLang;
  readonly theme: Theme;
  readonly account: ConsoleAccount;
  readonly csrfToken: string;
  readonly sandbox: boolean;
  /** The section shown (its sidebar entry is marked current). */
  readonly current: TextKey;
  readonly title: string;
  readonly here: string;
  readonly sessions: number;
  readonly nonce: string;
  readonly content: Raw;
}

export function roleText(lang: ConsoleLang, account: ConsoleAccount): string {
  return account.kind === 'operator'
    ? t(lang, account.role)
    : t(lang, 'merchantUser', { merchant: account.merchantId });
}

/** A page of the signed-in console: sidebar, top bar, content. */
export function shellPage(o: ShellOptions): string {
  const { lang, account } = o;
  const sections = SECTIONS.filter((s) => account.kind === 'operator' || !s.operatorOnly);
  const nav = sections.map((s) =>
    s.path
      ? html`<li>
          <a class="nav-item" href="${s.path}" ${s.key === o.current ? raw('aria-current="page"') : ''}
            >${icon(s.key)}<span>${t(lang, s.key)}</span></a
          >
        </li>`
      : html`<li>
          <span class="nav-item soon" aria-disabled="true" title="${t(lang, 'notYet')}"
            >${icon(s.key)}<span>${t(lang, s.key)}</span><small>${t(lang, 'soon')}</small></span
          >
        </li>`,
  );
  const csrf = html`<input type="hidden" name="csrf" value="${o.csrfToken}" />`;
  const body = html`<a class="skip" href="#content">${lang === 'zh' ? '跳到正文' : 'Skip to content'}</a>
    <div class="app">
      <aside class="side" id="sidebar">
        <a class="brand" href="${CONSOLE_PATH}"
          ><span class="logo" aria-hidden="true">UMF</span><span>${t(lang, 'console')}</span
          ><span class="mode ${o.sandbox ? '' : 'live'}">${t(lang, o.sandbox ? 'sandbox' : 'live')}</span></a
        >
        <nav aria-label="${t(lang, 'mainNav')}">
          <ul>
            ${nav}
          </ul>
        </nav>
        <div class="account">
          <div class="who">
            <span class="avatar" aria-hidden="true">${account.email.slice(0, 1)}</span>
            <div class="who-text">
              <div class="who-email" title="${account.email}">${account.email}</div>
              <div class="who-role">${roleText(lang, account)}</div>
            </div>
          </div>
          <div class="row">
            <form method="post" action="${CONSOLE_PATH}/logout">
              ${csrf}<button class="linkbtn" type="submit">${t(lang, 'signOut')}</button>
            </form>
            <form method="post" action="${CONSOLE_PATH}/logout-everywhere">
              ${csrf}<button
                class="linkbtn"
                type="submit"
                title="${o.sessions === 1 ? t(lang, 'sessionOpen') : t(lang, 'sessionsOpen', { count: o.sessions })}"
              >
                ${t(lang, 'signOutEverywhere')}
              </button>
            </form>
          </div>
        </div>
      </aside>
      <div class="scrim" id="scrim" aria-hidden="true"></div>
      <div class="main">
        <header class="top">
          <button class="tool menu" id="menu" type="button" aria-controls="sidebar" aria-expanded="false">
            <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 6h18v2H3zm0 5h18v2H3zm0 5h18v2H3z" /></svg
            ><span>${t(lang, 'menu')}</span>
          </button>
          <h1>${o.title}</h1>
          <div class="tools">${themeLink(lang, o.theme, o.here)}${langLink(lang, o.here)}</div>
        </header>
        <main class="content" id="content">${o.content}</main>
      </div>
    </div>`;
  return consoleDocument({
    lang,
    theme: o.theme,
    title: `${o.title} · ${t(lang, 'console')}`,
    body,
    nonce: o.nonce,
    script: MENU_SCRIPT,
  });
}
