/**
 * The frame of every page the gateway serves to people (sandbox wallet, WeChat pages, hosted
 * checkout): one self-contained HTML document, inline CSS, no asset, font or script from another
 * site. Text in Chinese and English: `?lang=zh|en`, else the browser's Accept-Language.
 */
export type Lang = 'zh' | 'en';

export function pickLang(query: string | undefined, acceptLanguage: string | undefined): Lang {
  if (query === 'zh' || query === 'en') return query;
  return /^\s*zh/i.test(acceptLanguage ?? '') ? 'zh' : 'en';
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
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
}

export const PAGE_CSS = `
*{box-sizing:border-box}
html,body{margin:0;padding:0}
body{font-family:-apple-system,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","WenQuanYi Micro Hei","Noto Sans CJK SC",system-ui,sans-serif;background:#eef1f5;color:#1f2329;line-height:1.5}
.shell{min-height:100vh;display:flex;align-items:flex-start;justify-content:center;padding:24px 12px}
.phone{width:100%;max-width:390px;background:#fff;border-radius:18px;box-shadow:0 6px 30px rgba(0,0,0,.12);overflow:hidden}
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
.btn{display:block;width:100%;border:0;border-radius:10px;padding:14px;font-size:17px;font-weight:600;color:#fff;cursor:pointer;text-align:center;text-decoration:none}
.btn.wechat{background:#07c160}.btn.alipay{background:#1677ff}.btn.umf{background:#c7000b}.btn.bank{background:#2b4a7e}
.btn.secondary{background:#fff;color:#1f2329;border:1px solid #d0d5dd;margin-top:10px}
.btn[disabled]{opacity:.5;cursor:not-allowed}
.notice{border-radius:10px;padding:12px 14px;margin:12px 0;font-size:14px}
.notice.ok{background:#e8f8ef;color:#0a7a3d}.notice.error{background:#fdecec;color:#b42318}.notice.info{background:#eef4ff;color:#1d4ed8}
.result{font-size:56px;text-align:center;margin-top:8px}
.lang{float:right;font-size:13px;color:#fff;opacity:.9;text-decoration:none;margin-left:auto}
.qr{display:block;margin:10px auto;width:200px;height:200px}
.tabs{display:flex;gap:8px;margin:12px 0}
.tab{flex:1;border:1px solid #d0d5dd;border-radius:10px;padding:12px 8px;background:#fff;text-align:center;cursor:pointer;font-size:15px}
.tab[aria-selected=true]{border-color:#c7000b;box-shadow:0 0 0 2px rgba(199,0,11,.15);font-weight:600}
label{display:block;font-size:13px;color:#4b5563;margin:10px 0 4px}
input,select{width:100%;padding:11px 12px;border:1px solid #d0d5dd;border-radius:8px;font-size:15px;background:#fff}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:10px}
.columns{display:grid;grid-template-columns:1fr;gap:18px}
.card{background:#fff;border-radius:14px;box-shadow:0 2px 12px rgba(0,0,0,.06);padding:18px}
@media (min-width:760px){.columns{grid-template-columns:1fr 1.3fr}}
`;

export function renderPage(options: PageOptions): string {
  const frame = options.frame ?? 'phone';
  const script = options.script ? `<script nonce="${esc(options.nonce ?? '')}">${options.script}</script>` : '';
  return `<!doctype html>
<html lang="${options.lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(options.title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<div class="shell"><div class="${frame}">${options.body.html}</div></div>
${script}
</body>
</html>`;
}

/** Content-Security-Policy for our pages: nothing from another origin, inline script only by nonce. */
export function pageCsp(nonce?: string): string {
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    "img-src 'self' data:",
    "form-action 'self' http: https:",
    nonce ? `script-src 'nonce-${nonce}'` : "script-src 'none'",
    "connect-src 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
