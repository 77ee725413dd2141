/**
 * The frame of every page the gateway serves to people (sandbox wallet, WeChat pages, hosted
 * checkout, the start page): one self-contained HTML document, inline CSS, no asset, font or script
 * from another site; the icon is the gateway's own (pages/favicon.ts). Text in Chinese and English:
 * `?lang=zh|en`, else the browser's Accept-Language.
 */
import { FAVICON_SVG_PATH } from './favicon.ts';

export type Lang = 'zh' | 'en';

export function pickLang(query: string | undefined, acceptLanguage: string | undefined): Lang {
  if (query === 'zh' || query === 'en') return query;
  return /^\s*zh/i.test(acceptLanguage ?? '') ? 'zh' : 'en';
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and attribute values. */
export function esc(value: unknown): string {
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean'
        ? String(value)
        : value === null || value === undefined
          ? ''
          : JSON.stringify(value);
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A tagged template that escapes every interpolation unless it is `raw(...)`. */
export class Raw {
  constructor(readonly html: string) {}
}
export function raw(html: string): Raw {
  return new Raw(html);
}
export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += renderValue(value) + strings[i + 1]!;
  });
  return new Raw(out);
}
function renderValue(value: unknown): string {
  if (value instanceof Raw) return value.html;
  if (Array.isArray(value)) return value.map(renderValue).join('');
  if (value === undefined || value === null || value === false) return '';
  return esc(value);
}

export interface PageOptions {
  readonly lang: Lang;
  readonly title: string;
  /** `phone` frames the content like a phone screen on desktop (wallet and WeChat pages). */
  readonly frame?: 'phone' | 'page';
  readonly body: Raw;
  /** Inline script (our own, no external source). */
  readonly script?: string;
  /** A per-response nonce for the inline script, matching the CSP header. */
  readonly nonce?: string;
  /** Extra elements for <head> (e.g. a meta refresh), already escaped. */
  readonly head?: Raw;
  /** Attributes' data for <body> (`data-*`), e.g. URLs an inline script reads; values are escaped. */
  readonly bodyData?: Readonly<Record<string, string>>;
}

export const PAGE_CSS = `
*{box-sizing:border-box}
html,body{margin:0;padding:0}
body{font-family:-apple-system,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","WenQuanYi Micro Hei",
"Noto Sans CJK SC",system-ui,sans-serif;background:#eef1f5;color:#1f2329;line-height:1.5}
.shell{min-height:100vh;display:flex;align-items:flex-start;justify-content:center;padding:24px 12px}
.phone{width:100%;max-width:390px;background:#fff;border-radius:18px;box-shadow:0 6px 30px rgba(0,0,0,.12);
overflow:hidden}
.page{width:100%;max-width:960px}
.bar{display:flex;align-items:center;gap:10px;padding:14px 18px;color:#fff;font-weight:600}
.bar small{font-weight:400;opacity:.85}
.bar.wechat{background:#07c160}.bar.alipay{background:#1677ff}.bar.umf{background:#c7000b}.bar.bank{background:#2b4a7e}
.content{padding:18px}
.amount{font-size:34px;font-weight:700;text-align:center;margin:8px 0 2px}
.amount small{font-size:18px;font-weight:600;margin-right:2px}
.muted{color:#6b7280;font-size:13px}
.center{text-align:center}
.kv{width:100%;border-collapse:collapse;margin:14px 0;font-size:14px}
.kv td{padding:7px 0;border-bottom:1px solid #f0f1f3;vertical-align:top}
.kv td:last-child{text-align:right;word-break:break-all}
.btn{display:block;width:100%;border:0;border-radius:10px;padding:14px;font-size:17px;font-weight:600;color:#fff;
cursor:pointer;text-align:center;text-decoration:none}
.btn.wechat{background:#07c160}.btn.alipay{background:#1677ff}.btn.umf{background:#c7000b}.btn.bank{background:#2b4a7e}
.btn.secondary{background:#fff;color:#1f2329;border:1px solid #d0d5dd;margin-top:10px}
.btn[disabled]{opacity:.5;cursor:not-allowed}
.notice{border-radius:10px;padding:12px 14px;margin:12px 0;font-size:14px}
.notice.ok{background:#e8f8ef;color:#0a7a3d}.notice.error{background:#fdecec;color:#b42318}
.notice.info{background:#eef4ff;color:#1d4ed8}
.result{font-size:56px;text-align:center;margin-top:8px}
.lang{float:right;font-size:13px;color:#fff;opacity:.9;text-decoration:none;margin-left:auto}
.qr{display:block;margin:10px auto;width:200px;height:200px}
.tabs{display:flex;gap:8px;margin:12px 0}
.tab{flex:1;border:1px solid #d0d5dd;border-radius:10px;padding:12px 8px;background:#fff;text-align:center;
cursor:pointer;font-size:15px}
.tab[aria-selected=true]{border-color:#c7000b;box-shadow:0 0 0 2px rgba(199,0,11,.15);font-weight:600}
label{display:block;font-size:13px;color:#4b5563;margin:10px 0 4px}
input,select{width:100%;padding:11px 12px;border:1px solid #d0d5dd;border-radius:8px;font-size:15px;background:#fff}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:10px}
.columns{display:grid;grid-template-columns:1fr;gap:18px}
.card{background:#fff;border-radius:14px;box-shadow:0 2px 12px rgba(0,0,0,.06);padding:18px}
@media (min-width:760px){.columns{grid-template-columns:1fr 1.3fr;align-items:start}}
`;

/** Pages' own additions to PAGE_CSS (wallet sheets, checkout, result marks). */
export const PAGE_CSS_EXTRA = `
button,input,select{font-family:inherit}
.btn{font-weight:700}.tab[aria-selected=true]{font-weight:700}
.topbar .logo{width:30px;height:30px;border-radius:8px;background:rgba(255,255,255,.2);display:inline-flex;
align-items:center;justify-content:center;font-weight:700;flex:none}
.result-card{max-width:520px;margin:0 auto}
.result-card .amount{font-size:28px}
.strong{font-weight:600;margin-top:6px}
.summary-line{margin:8px 0 0}
.mt{margin-top:16px}
.bar .brand{display:flex;align-items:center;gap:8px}
.bar .logo{width:26px;height:26px;border-radius:7px;background:rgba(255,255,255,.22);display:inline-flex;
align-items:center;justify-content:center;font-size:15px;font-weight:700}
.badge{display:inline-block;font-size:11px;font-weight:600;letter-spacing:.02em;padding:2px 7px;border-radius:999px;
background:rgba(255,255,255,.22);color:#fff}
.badge.sandbox{background:#fff4d6;color:#8a5a00}
.merchant{font-size:16px;font-weight:600;text-align:center;margin-top:6px}
.summary{color:#4b5563;font-size:14px;text-align:center;margin:2px 0 0}
.amount .ccy{font-size:18px;font-weight:600;margin-right:4px}
.sub-amount{text-align:center;color:#6b7280;font-size:13px;margin-bottom:6px}
.mark{width:64px;height:64px;border-radius:50%;display:flex;align-items:center;justify-content:center;
margin:10px auto 6px}
.mark svg{width:34px;height:34px}
.mark.warn{background:#f59e0b}.mark.ok{background:#07c160}.mark.ok.alipay{background:#1677ff}
.mark.ok.umf{background:#0a7a3d}.mark.fail{background:#e5484d}.mark.wait{background:#f59e0b}
.mark.info{background:#9ca3af}
.headline{font-size:20px;font-weight:700;text-align:center;margin:4px 0}
.foot{font-size:12px;color:#9ca3af;text-align:center;padding:10px 18px 16px}
.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;color:#9ca3af;white-space:nowrap}
.linkbtn{background:none;border:0;padding:0;color:#6b7280;font-size:14px;text-decoration:underline;cursor:pointer;
display:block;margin:14px auto 0}
.avatar{width:64px;height:64px;border-radius:14px;background:#f2f3f5;display:flex;align-items:center;
justify-content:center;margin:8px auto;font-size:28px;font-weight:700;color:#07c160}
.perm{list-style:none;padding:0;margin:12px 0;font-size:14px}
.perm li{padding:8px 0;border-bottom:1px solid #f0f1f3}
.perm li::before{content:"\\2022";color:#07c160;font-weight:700;margin-right:8px}
.row{display:flex;gap:10px;margin-top:14px}.row>*{flex:1}.row .btn.secondary{margin-top:0}
.hint{font-size:12px;color:#9ca3af;margin-top:4px}
.topbar{display:flex;align-items:center;gap:12px;padding:14px 20px;background:#c7000b;color:#fff;border-radius:14px;
margin-bottom:18px}
.topbar .title{font-weight:700;font-size:17px}
.topbar .lang{margin-left:auto}
.card h2{font-size:16px;margin:0 0 10px}
.items{width:100%;border-collapse:collapse;font-size:14px;margin:8px 0}
.items td{padding:6px 0;border-bottom:1px dashed #e5e7eb;vertical-align:top}
.items td:last-child{text-align:right;white-space:nowrap;padding-left:10px}
.total{display:flex;justify-content:space-between;align-items:baseline;margin-top:12px;padding-top:12px;
border-top:1px solid #e5e7eb}
.total strong{font-size:26px;color:#c7000b}
.tabs a.tab{color:#1f2329;text-decoration:none;display:flex;flex-direction:column;align-items:center;gap:4px}
.tab .dot{width:28px;height:28px;border-radius:8px;display:inline-flex;align-items:center;justify-content:center;
color:#fff;font-size:14px;font-weight:700}
.dot.bankcard{background:#2b4a7e}.dot.bankcard.debit{background:#5b6b8c}.dot.wechat{background:#07c160}
.dot.alipay{background:#1677ff}
.qrbox{text-align:center;padding:8px 0}
.qrbox img{border:1px solid #eef0f3;border-radius:10px;background:#fff;max-width:100%;height:auto}
.status{display:flex;align-items:center;justify-content:center;gap:8px;font-size:14px;color:#6b7280;margin-top:6px}
.spinner{width:14px;height:14px;border-radius:50%;border:2px solid #d0d5dd;border-top-color:#6b7280;
animation:spin 1s linear infinite}
@keyframes spin{to{transform:rotate(360deg)}}
.btn.link{background:#fff;color:#1677ff;border:1px solid #1677ff;margin-top:10px}
.btn.link.wechat{color:#07c160;border-color:#07c160}
.sent{background:#eef4ff;color:#1d4ed8;border-radius:10px;padding:10px 12px;font-size:14px;margin:6px 0 4px}
.side{display:contents}.side>.summary-card{order:1}.columns>.pay{order:2}.side>.help{order:3}
@media (min-width:760px){.side{display:flex;flex-direction:column;gap:18px}}
input[aria-invalid=true]{border-color:#b42318;box-shadow:0 0 0 2px rgba(180,35,24,.12)}
input[aria-invalid=true]:focus{outline:2px solid #b42318;outline-offset:0}
label.invalid{color:#b42318;font-weight:600}
.badge.sandbox{margin-right:6px;vertical-align:1px}
.help h2{display:flex;align-items:center}
.help p{font-size:14px;margin:6px 0 10px}
.scroll{overflow-x:auto}
.testcards{width:100%;border-collapse:collapse;font-size:13px}
.testcards th{text-align:left;font-weight:600;color:#4b5563;padding:6px 8px 6px 0;border-bottom:1px solid #e5e7eb}
.testcards td{padding:6px 8px 6px 0;border-bottom:1px solid #f0f1f3;vertical-align:top}
.nowrap{white-space:nowrap}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;background:#f2f3f5;
border-radius:4px;padding:1px 4px;display:inline-block;max-width:100%;overflow-wrap:anywhere}
code.block{display:block;margin-top:6px;padding:6px 8px}
.testcards .last4{width:1%;white-space:nowrap;padding-right:12px}
.outcome{color:#4b5563;margin-top:2px}
.testvalues{font-size:13px;color:#374151;padding-left:18px;margin:12px 0 0}
.testvalues li{margin:4px 0}
.fill{font-family:inherit;font-size:12px;border:1px solid #e0b44c;background:#fff8e6;color:#8a5a00;border-radius:6px;
padding:2px 8px;cursor:pointer;margin-left:4px}
.fill.wide{display:block;width:100%;font-size:14px;padding:8px;margin:4px 0 6px}
.sandbox-box{background:#fffaeb;border:1px solid #f5d98b;border-radius:10px;padding:10px 12px;margin:8px 0;
font-size:14px;color:#5c3d00}
.sandbox-box .hint{color:#8a6d2f}
.smscode{display:flex;align-items:center;gap:10px;margin:4px 0}
.smscode strong{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:24px;letter-spacing:.12em;
color:#1f2329}
.smscode .expired{color:#b42318;font-size:13px}
.mt-s{margin-top:6px}
.intro p{margin:0 0 8px}.intro p:last-child{margin:0}
.mode{font-size:14px;color:#4b5563}.mode.sandbox{color:#8a5a00}
.linkcards{display:grid;grid-template-columns:1fr;gap:14px;margin:18px 0}
@media (min-width:760px){.linkcards{grid-template-columns:repeat(3,1fr)}}
.linkcard{display:flex;flex-direction:column;gap:6px;color:#1f2329;text-decoration:none}
a.linkcard:hover{box-shadow:0 0 0 2px rgba(199,0,11,.25)}
.linktitle{font-weight:700;font-size:16px;color:#c7000b}
.linkcard.coming .linktitle{color:#6b7280}
.linkcard code{align-self:flex-start}
.badge.soon{align-self:flex-start;background:#f2f3f5;color:#4b5563}
.page>.card{margin-bottom:18px}
.endpoints{margin:0;font-size:14px}
.endpoints dt{margin-top:12px}.endpoints dt:first-child{margin-top:0}
.endpoints dd{margin:4px 0 0;color:#374151}
.endpoints code{font-size:13px}
@media (max-width:759px){.shell{padding:12px 10px}.topbar{border-radius:12px}.total strong{font-size:22px}}
@media (max-width:480px){.shell:has(>.phone){padding:0}.phone{max-width:none;border-radius:0;box-shadow:none;
min-height:100vh}
.tabs{display:grid;grid-template-columns:1fr 1fr}.tabs a.tab{flex-direction:row;justify-content:center;gap:8px;
padding:10px 6px;white-space:nowrap}}
`;

function bodyData(data: Readonly<Record<string, string>> | undefined): string {
  if (!data) return '';
  return Object.entries(data)
    .filter(([name]) => /^[a-z][a-z0-9-]*$/.test(name))
    .map(([name, value]) => ` data-${name}="${esc(value)}"`)
    .join('');
}

export function renderPage(options: PageOptions): string {
  const frame = options.frame ?? 'phone';
  const script = options.script ? `<script nonce="${esc(options.nonce ?? '')}">${options.script}</script>` : '';
  return `<!doctype html>
<html lang="${options.lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(options.title)}</title>
<link rel="icon" href="${FAVICON_SVG_PATH}" type="image/svg+xml">
<style>${PAGE_CSS}${PAGE_CSS_EXTRA}</style>
${options.head?.html ?? ''}
</head>
<body${bodyData(options.bodyData)}>
<div class="shell"><div class="${frame}">${options.body.html}</div></div>
${script}
</body>
</html>`;
}

/**
 * The origin a page's form may end up at besides our own, as a CSP source: browsers apply
 * `form-action` to the redirects after a submission too, so a form whose answer redirects to the
 * merchant (a URL the merchant gave in a signed request, or one the platform signed) names that one
 * origin. Anything that is not an http(s) URL names nothing.
 */
export function formTargetOf(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Content-Security-Policy for our pages: nothing from another origin, inline script only by nonce,
 * forms only to ourselves (and to `formTarget`, the one origin the form's answer redirects to).
 */
export function pageCsp(nonce?: string, formTarget?: string): string {
  const target = formTargetOf(formTarget);
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    "img-src 'self' data:",
    target ? `form-action 'self' ${target}` : "form-action 'self'",
    nonce ? `script-src 'nonce-${nonce}'` : "script-src 'none'",
    "connect-src 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Disables a form's buttons once it is submitted (one click pays once), again when the page comes back. */
export const ONE_CLICK_SCRIPT = `document.querySelectorAll('form').forEach(function(f){
f.addEventListener('submit',function(){setTimeout(function(){
f.querySelectorAll('button').forEach(function(b){b.disabled=true;});},0);});});
window.addEventListener('pageshow',function(e){
if(e.persisted)document.querySelectorAll('button').forEach(function(b){b.disabled=false;});});`;
