/**
 * What several pages share: the facts of a payment as a payer reads them (amounts, rate, order,
 * expiry), the state messages of a payment that can no longer be paid, result marks, language links
 * and the error page.
 */
import { html, raw, renderPage, type Lang, type Raw } from './layout.ts';
import { t, payerMessage, type PayerMessage, type TextKey } from './i18n.ts';
import type { PaymentRecord } from '../payments/payment-record.ts';
import { formatAmount, formatScaled } from '../money/decimal.ts';
import { chinaTime } from '../time/china-time.ts';

/** 1234567.8 -> "1,234,567.8" (the integer part only). */
export function groupDigits(amount: string): string {
  const [whole, fraction] = amount.split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

export interface OrderItem {
  readonly name: string;
  readonly quantity: string;
  readonly amount: string;
}

/** A payment as pages show it. Every string here is plain text (escape when writing HTML). */
export interface PaymentFacts {
  readonly id: string;
  /** "712.48" */
  readonly cny: string;
  /** "100.02" in the order currency */
  readonly amount: string;
  readonly currency: string;
  readonly rate: string;
  readonly merReferenceId: string;
  readonly summary: string | undefined;
  readonly items: readonly OrderItem[];
  readonly expireAt: number;
  readonly paidAt: number | undefined;
}

export function paymentFacts(row: PaymentRecord): PaymentFacts {
  const currency = row.currency;
  const order = JSON.parse(row.order_json) as {
    order_summary?: string;
    sub_orders?: Array<{
      order_summary?: string;
      items?: Array<{ name?: string; description?: string; quantity?: string; amount?: { total?: string } }>;
      amount?: { total?: string };
    }>;
  };
  const items: OrderItem[] = [];
  for (const sub of order.sub_orders ?? []) {
    if (sub.items && sub.items.length > 0) {
      for (const item of sub.items)
        items.push({
          name: item.name ?? item.description ?? '-',
          quantity: item.quantity ?? '1',
          amount: item.amount?.total ?? '',
        });
    } else if (sub.order_summary) {
      items.push({ name: sub.order_summary, quantity: '1', amount: sub.amount?.total ?? '' });
    }
  }
  return {
    id: row.id,
    cny: formatScaled(row.total_cny_minor, 2),
    amount: formatAmount(row.amount_minor, currency),
    currency,
    rate: row.exchange_rate,
    merReferenceId: row.mer_reference_id,
    summary: order.order_summary,
    items,
    expireAt: row.expire_at,
    paidAt: row.execute_success_at ?? undefined,
  };
}

/** "CNY 712.48" */
export function cnyText(facts: PaymentFacts): string {
  return `CNY ${groupDigits(facts.cny)}`;
}

/** "¥712.48" */
export function yuanText(facts: PaymentFacts): string {
  return `¥${groupDigits(facts.cny)}`;
}

/** "USD 100.02 · 1 USD = 7.1234 CNY" (nothing for a CNY order). */
export function orderCurrencyLine(lang: Lang, facts: PaymentFacts): string {
  if (facts.currency === 'CNY') return '';
  const rate = `${t(lang, 'lockedRate')} 1 ${facts.currency} = ${facts.rate} CNY`;
  return `${facts.currency} ${groupDigits(facts.amount)} · ${rate}`;
}

/** "2025-06-01 18:20" in China time. */
export function chinaClock(epochMs: number): string {
  return chinaTime(epochMs).slice(0, 16).replace('T', ' ');
}

/** "18:20:05" in China time. */
export function chinaClockTime(epochMs: number): string {
  return chinaTime(epochMs).slice(11, 19);
}

/** Why a payment can no longer be paid, as a domain error and a sentence for the payer. */
export interface Unpayable {
  readonly title: TextKey;
  readonly notice: TextKey;
  readonly error: PayerMessage;
  readonly mark: 'ok' | 'fail' | 'info' | 'wait';
}

export function unpayable(lang: Lang, row: PaymentRecord): Unpayable | undefined {
  switch (row.state) {
    case 'WAIT_BUYER_PAY':
      return undefined;
    case 'TRADE_SUCCESS':
      // What the domain answers a second payment of a paid order (refuseFinal).
      return {
        title: 'alreadyPaidTitle',
        notice: 'alreadyPaid',
        error: payerMessage(lang, 'already_paid'),
        mark: 'ok',
      };
    case 'TRADE_FAIL':
      return {
        title: 'failedTitle',
        notice: 'failedBefore',
        error: payerMessage(lang, row.failure_reason ?? 'payment_failed'),
        mark: 'fail',
      };
    case 'TRADE_CLOSED':
      if (row.failure_reason === 'payment_expired')
        return {
          title: 'expiredTitle',
          notice: 'expiredNotice',
          error: payerMessage(lang, 'payment_expired'),
          mark: 'info',
        };
      return {
        title: 'closedTitle',
        notice: 'closedNotice',
        error: payerMessage(lang, 'payment_closed'),
        mark: 'info',
      };
    default:
      return {
        title: 'closedTitle',
        notice: 'closedNotice',
        error: payerMessage(lang, 'payment_closed'),
        mark: 'info',
      };
  }
}

const ICONS = {
  ok:
    '<svg viewBox="0 0 24 24" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" ' +
    'stroke-linejoin="round" aria-hidden="true"><path d="M5 12.5l4.5 4.5L19 7.5"/></svg>',
  fail:
    '<svg viewBox="0 0 24 24" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" ' +
    'aria-hidden="true"><path d="M7 7l10 10M17 7L7 17"/></svg>',
  info:
    '<svg viewBox="0 0 24 24" fill="none" stroke="#fff" stroke-width="2.6" stroke-linecap="round" ' +
    'aria-hidden="true"><circle cx="12" cy="12" r="8"/><path d="M12 7.5V12l3 2"/></svg>',
  warn:
    '<svg viewBox="0 0 24 24" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" ' +
    'aria-hidden="true"><path d="M12 6.5v7"/><path d="M12 17.5h.01"/></svg>',
  wait:
    '<svg viewBox="0 0 24 24" fill="none" stroke="#fff" stroke-width="2.6" stroke-linecap="round" ' +
    'aria-hidden="true"><circle cx="12" cy="12" r="8"/><path d="M12 7.5V12l3 2"/></svg>',
} as const;

export function mark(kind: keyof typeof ICONS, variant = ''): Raw {
  return html`<div class="${`mark ${kind} ${variant}`.trim()}" role="img" aria-label="${kind}">
    ${raw(ICONS[kind])}
  </div>`;
}

/** The same page in the other language. `url` is a path with its query (no `lang`). */
export function otherLangUrl(url: string, lang: Lang): string {
  const parsed = new URL(url, 'http://x');
  parsed.searchParams.set('lang', lang === 'zh' ? 'en' : 'zh');
  return parsed.pathname + parsed.search;
}

/** A path with query parameters (undefined ones left out). */
export function pathWith(path: string, query: Readonly<Record<string, string | undefined>>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export function langLink(lang: Lang, selfUrl: string): Raw {
  return html`<a class="lang" href="${otherLangUrl(selfUrl, lang)}" hreflang="${lang === 'zh' ? 'en' : 'zh'}"
    >${t(lang, 'otherLang')}</a
  >`;
}

/** A payment's state sentence with the domain's return code (labelled as an error unless it is good news). */
export function stateNotice(lang: Lang, blocked: Unpayable): Raw {
  const good = blocked.mark === 'ok';
  return html`<div class="${`notice ${good ? 'ok' : 'error'}`}" role="status" data-testid="state-notice">
    ${t(lang, blocked.notice)} <span class="code">${good ? '' : `${t(lang, 'errorCode')} `}${blocked.error.code}</span>
  </div>`;
}

/** Sentences joined as each language writes them (no space after Chinese punctuation). */
export function sentences(lang: Lang, ...parts: string[]): string {
  return parts.filter(Boolean).join(lang === 'zh' ? '' : ' ');
}

export function errorNotice(message: PayerMessage | undefined, lang: Lang): Raw {
  if (!message) return html``;
  return html`<div class="notice error" role="alert">
    ${message.text} <span class="code">${t(lang, 'errorCode')} ${message.code}</span>
  </div>`;
}

export type ErrorKind = 'notFound' | 'forbidden' | 'expired' | 'pageNotFound' | 'error' | 'badRequest';

/**
 * A page for a person instead of a stack trace or a JSON error: 404, 403, 410 (`expired`: the link
 * outlived its payment, crypto/page-tokens.ts), 400 or 500.
 */
export function errorPage(
  lang: Lang,
  kind: ErrorKind,
  detail?: string,
  selfUrl?: string,
): { status: number; html: string } {
  const [status, title, body]: [number, TextKey, string] =
    kind === 'notFound'
      ? [404, 'notFoundTitle', t(lang, 'notFound')]
      : kind === 'forbidden'
        ? [403, 'forbiddenTitle', t(lang, 'forbidden')]
        : kind === 'expired'
          ? [410, 'linkExpiredTitle', t(lang, 'linkExpired')]
          : kind === 'pageNotFound'
            ? [404, 'notFoundTitle', t(lang, 'pageNotFound')]
            : kind === 'badRequest'
              ? [400, 'badRequestTitle', detail ?? '']
              : [500, 'errorTitle', t(lang, 'errorBody')];
  const text = kind === 'badRequest' ? body : (detail ?? body);
  const page = renderPage({
    lang,
    title: t(lang, title),
    frame: 'phone',
    body: html`<div class="bar umf">
        <span class="brand"><span class="logo">U</span>UMF</span>${selfUrl ? langLink(lang, selfUrl) : ''}
      </div>
      <div class="content center">
        ${mark(status >= 500 ? 'fail' : 'warn')}
        <div class="headline">${t(lang, title)}</div>
        <p class="muted">${text}</p>
        <p class="code">HTTP ${status}</p>
      </div>`,
  });
  return { status, html: page };
}

/** One row of a key–value table: its label, its value and, for tests, a `data-testid` on the value. */
export type KvRow = readonly [label: TextKey, value: unknown, testId?: string];

/** The key–value table of a payment's facts; rows given as a falsy value (`cond && row`) are left out. */
export function kvTable(lang: Lang, rows: readonly (KvRow | false | '' | null | undefined)[]): Raw {
  const shown = rows.filter((row): row is KvRow => Boolean(row));
  return html`<table class="kv">
    ${shown.map(
      ([label, value, testId]) =>
        html`<tr>
          <td>${t(lang, label)}</td>
          ${testId ? html`<td data-testid="${testId}">${value}</td>` : html`<td>${value}</td>`}
        </tr>`,
    )}
  </table>`;
}

/** Hidden form fields, one per entry (fields given `undefined` are left out). */
export function hiddenFields(fields: Readonly<Record<string, string | undefined>>): Raw {
  return html`${Object.entries(fields).map(([name, value]) =>
    value === undefined ? '' : html`<input type="hidden" name="${name}" value="${value}" />`,
  )}`;
}
