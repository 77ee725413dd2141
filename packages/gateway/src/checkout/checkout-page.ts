/**
 * The hosted checkout (收银台): the order summary beside the payment (one column on a phone). The
 * buyer picks among the payment's methods: a bank card (card form -> SMS code -> pay) or a wallet QR
 * code (WeChat Pay, Alipay) with an "open in wallet" link and a small script that polls the payment's
 * state. A paid, failed or closed payment shows its result and sends the buyer back to ret_url.
 *
 * Card data typed here is never written back into a page: after an error the card fields are empty
 * again (the phone field shows only a phone the payment already has).
 */
import { html, raw, renderPage, type Lang, type Raw } from '../pages/layout.ts';
import { t, type PayerMessage } from '../pages/i18n.ts';
import {
  chinaClock,
  cnyText,
  errorNotice,
  groupDigits,
  langLink,
  mark,
  paymentFacts,
  unpayable,
  hiddenFields,
  kvTable,
  type PaymentFacts,
} from '../pages/common.ts';
import { ONE_CLICK_SCRIPT } from '../pages/layout.ts';
import { isCardMethod, type PaymentRecord } from '../payments/payment-record.ts';

export type CheckoutMethod = 'CREDIT_CARD' | 'DEBIT_CARD' | 'WECHAT_SCAN' | 'ALIPAY_SCAN';

export interface CheckoutPageInput {
  readonly lang: Lang;
  readonly row: PaymentRecord;
  readonly merchantName: string;
  readonly sandbox: boolean;
  readonly token: string;
  readonly methods: readonly CheckoutMethod[];
  readonly selected: CheckoutMethod | undefined;
  /** Show the card form even though a code was sent (another card, a new code). */
  readonly editCard: boolean;
  /** GET URL of this page (path and `t`, without lang or method). */
  readonly selfUrl: string;
  readonly cardAction: string;
  readonly payAction: string;
  readonly statusUrl: string;
  /** The selected wallet: its payment URL (what the QR code holds) and the QR code as an SVG data URI. */
  readonly wallet?: { readonly url: string; readonly qrDataUri: string; readonly qrSize: number } | undefined;
  readonly error?: PayerMessage | undefined;
  readonly nonce: string;
}

const POLL_SCRIPT = `(function(){var b=document.body,u=b.getAttribute('data-status'),d=b.getAttribute('data-done');
if(!u||!d)return;
function tick(){fetch(u,{cache:'no-store',credentials:'same-origin',headers:{accept:'application/json'}})
.then(function(r){return r.ok?r.json():null;})
.then(function(s){if(s&&s.state&&s.state!=='WAIT_BUYER_PAY'){location.replace(d);return;}setTimeout(tick,1500);},
function(){setTimeout(tick,3000);});}
setTimeout(tick,1500);})();`;

const CARD_ICON =
  '<svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="#fff" stroke-width="2"><rect x="3" y="6" ' +
  'width="18" height="12" rx="2"/><path d="M3 10h18"/></svg>';

function methodLabel(lang: Lang, method: string): string {
  return method === 'CREDIT_CARD' ||
    method === 'DEBIT_CARD' ||
    method === 'WECHAT_SCAN' ||
    method === 'ALIPAY_SCAN' ||
    method === 'WECHAT_WEB' ||
    method === 'WECHAT_IN_APP'
    ? t(lang, method)
    : method;
}

function withQuery(url: string, query: Readonly<Record<string, string>>): string {
  const parsed = new URL(url, 'http://x');
  for (const [k, v] of Object.entries(query)) parsed.searchParams.set(k, v);
  return parsed.pathname + parsed.search;
}

function topbar(input: CheckoutPageInput): Raw {
  const { lang } = input;
  return html`<header class="topbar">
    <span class="logo" aria-hidden="true">U</span>
    <span
      ><span class="title">${t(lang, 'checkout')}</span><br /><small data-testid="merchant"
        >${input.merchantName}</small
      ></span
    >
    ${input.sandbox ? html`<span class="badge">${t(lang, 'sandbox')}</span>` : ''}
    ${langLink(lang, withQuery(input.selfUrl, input.selected ? { method: input.selected } : {}))}
  </header>`;
}

function summaryCard(lang: Lang, f: PaymentFacts, merchantName: string): Raw {
  return html`<section class="card" aria-labelledby="summary-title">
    <h2 id="summary-title">${t(lang, 'orderSummary')}</h2>
    <div class="muted">${t(lang, 'merchant')}</div>
    <div class="strong">${merchantName}</div>
    ${f.summary ? html`<p class="summary-line">${f.summary}</p>` : ''}
    ${
      f.items.length > 0
        ? html`<table class="items" aria-label="${t(lang, 'items')}">
            ${f.items.map(
              (item) =>
                html`<tr>
                  <td>${item.name} × ${item.quantity}</td>
                  <td>${f.currency} ${groupDigits(item.amount)}</td>
                </tr>`,
            )}
          </table>`
        : ''
    }
    ${kvTable(lang, [
      ['orderNo', f.merReferenceId],
      ['orderAmount', `${f.currency} ${groupDigits(f.amount)}`, 'order-amount'],
      f.currency !== 'CNY' && ['rate', `1 ${f.currency} = ${f.rate} CNY`, 'rate'],
      ['payBefore', `${chinaClock(f.expireAt)} ${t(lang, 'chinaTime')}`],
    ])}
    <div class="total"><span>${t(lang, 'toPay')}</span><strong data-testid="total">${cnyText(f)}</strong></div>
  </section>`;
}

function tabs(input: CheckoutPageInput): Raw {
  const { lang } = input;
  if (input.methods.length < 2) return html``;
  const dot = (m: CheckoutMethod) =>
    m === 'WECHAT_SCAN'
      ? html`<span class="dot wechat" aria-hidden="true">微</span>`
      : m === 'ALIPAY_SCAN'
        ? html`<span class="dot alipay" aria-hidden="true">支</span>`
        : html`<span class="${`dot bankcard ${m === 'DEBIT_CARD' ? 'debit' : ''}`.trim()}" aria-hidden="true"
            >${raw(CARD_ICON)}</span
          >`;
  return html`<nav class="tabs" role="tablist">
    ${input.methods.map(
      (m) =>
        html`<a
          class="tab"
          role="tab"
          aria-selected="${m === input.selected ? 'true' : 'false'}"
          href="${withQuery(input.selfUrl, { method: m, lang })}"
          data-method="${m}"
          >${dot(m)}${methodLabel(lang, m)}</a
        >`,
    )}
  </nav>`;
}

function maskPhone(phone: string | null): string {
  return phone && phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '';
}

function cardPanel(input: CheckoutPageInput, f: PaymentFacts): Raw {
  const { lang, row } = input;
  const method = input.selected as 'CREDIT_CARD' | 'DEBIT_CARD';
  const codeStep =
    row.stage === 'sms_sent' &&
    !input.editCard &&
    (row.channel === method || !input.methods.includes(row.channel as CheckoutMethod));
  if (codeStep) {
    return html`<div class="sent" role="status" data-testid="code-sent">
        ${t(lang, 'codeSent', { phone: maskPhone(row.phone), last4: row.card_last4 ?? '' })}
      </div>
      ${errorNotice(input.error, lang)}
      <form method="post" action="${input.payAction}">
        ${hiddenFields({ t: input.token, lang, method })}
        <label for="sms_code">${t(lang, 'smsCode')}</label>
        <input
          id="sms_code"
          name="sms_code"
          inputmode="numeric"
          autocomplete="one-time-code"
          maxlength="8"
          pattern="[0-9]{4,8}"
          required
          autofocus
        />
        <div class="mt">
          <button class="btn umf" type="submit" data-testid="pay">${t(lang, 'payCard', { amount: cnyText(f) })}</button>
        </div>
      </form>
      <a class="linkbtn center" href="${withQuery(input.selfUrl, { method, edit: '1', lang })}" data-testid="other-card"
        >${t(lang, 'otherCard')}</a
      >`;
  }
  const credit = method === 'CREDIT_CARD';
  const testCard = credit ? '6225 7600 0004 0001' : '6217 0000 1000 0020 001';
  return html`${errorNotice(input.error, lang)}
    <form method="post" action="${input.cardAction}" autocomplete="on">
      ${hiddenFields({ t: input.token, lang, method })}
      <label for="card_number">${t(lang, 'cardNumber')}</label>
      <input
        id="card_number"
        name="card_number"
        inputmode="numeric"
        autocomplete="cc-number"
        maxlength="23"
        placeholder="${t(lang, credit ? 'cardNumberCredit' : 'cardNumberDebit')}"
        required
      />
      ${
        input.sandbox
          ? html`<div class="hint" data-testid="test-card">${t(lang, 'testCard', { card: testCard })}</div>`
          : ''
      }
      ${
        credit
          ? html`<div class="grid">
              <div>
                <label for="valid_date">${t(lang, 'validDate')}</label
                ><input
                  id="valid_date"
                  name="valid_date"
                  inputmode="numeric"
                  autocomplete="off"
                  maxlength="4"
                  pattern="[0-9]{4}"
                  placeholder="YYMM"
                  required
                />
              </div>
              <div>
                <label for="cvv2">${t(lang, 'cvv2')}</label
                ><input
                  id="cvv2"
                  name="cvv2"
                  inputmode="numeric"
                  autocomplete="cc-csc"
                  maxlength="4"
                  pattern="[0-9]{3,4}"
                  placeholder="•••"
                  required
                />
              </div>
            </div>`
          : ''
      }
      <label for="holder_name">${t(lang, 'holderName')}</label>
      <input id="holder_name" name="holder_name" autocomplete="cc-name" maxlength="64" required />
      <label for="citizen_id">${t(lang, 'citizenId')}</label>
      <input id="citizen_id" name="citizen_id" autocomplete="off" maxlength="18" required />
      <label for="phone">${t(lang, 'phone')}</label>
      <input
        id="phone"
        name="phone"
        type="tel"
        inputmode="tel"
        autocomplete="tel"
        maxlength="20"
        value="${row.phone ?? ''}"
        required
      />
      <div class="mt">
        <button class="btn umf" type="submit" data-testid="send-code">${t(lang, 'sendCode')}</button>
      </div>
      <p class="hint">${t(lang, 'secureNote')}</p>
    </form>`;
}

function walletPanel(input: CheckoutPageInput, f: PaymentFacts): Raw {
  const { lang } = input;
  const wechat = input.selected === 'WECHAT_SCAN';
  // The app a person scans with: "WeChat" / "微信", "Alipay" / "支付宝".
  const wallet = t(lang, wechat ? 'wechat' : 'alipay');
  if (!input.wallet) return html``;
  return html`${errorNotice(input.error, lang)}
    <div class="qrbox">
      <img
        src="${input.wallet.qrDataUri}"
        width="${input.wallet.qrSize}"
        height="${input.wallet.qrSize}"
        alt="${`QR ${wallet}`}"
        data-testid="qr"
      />
      <div class="strong" data-testid="scan-text">${t(lang, 'scanWith', { wallet, amount: cnyText(f) })}</div>
      <div class="status" role="status" data-testid="waiting">
        <span class="spinner" aria-hidden="true"></span>${t(lang, 'waiting')}
      </div>
    </div>
    <a
      class="${`btn link ${wechat ? 'wechat' : ''}`.trim()}"
      href="${input.wallet.url}"
      target="_blank"
      rel="noopener noreferrer"
      data-testid="open-wallet"
      >${t(lang, 'openInWallet', { wallet })}</a
    >
    <p class="hint center">${t(lang, 'openHint')}</p>`;
}

function resultCard(input: CheckoutPageInput, f: PaymentFacts): Raw {
  const { lang, row } = input;
  const ok = row.state === 'TRADE_SUCCESS';
  const cardTail = row.card_last4 && isCardMethod(row.channel) ? ` •••• ${row.card_last4}` : '';
  const blocked = unpayable(lang, row)!;
  const back = row.ret_url
    ? html`<a class="btn umf" href="${row.ret_url}" data-testid="back"
        >${t(lang, 'backToMerchant', { merchant: input.merchantName })}</a
      >`
    : '';
  return html`<section class="card result-card">
    ${mark(ok ? 'ok' : blocked.mark, 'umf')}
    <div class="headline" data-testid="result-title">${t(lang, ok ? 'paidTitle' : blocked.title)}</div>
    <div class="amount" data-testid="amount">${cnyText(f)}</div>
    ${ok ? '' : errorNotice(blocked.error, lang)}
    ${kvTable(lang, [
      ['merchant', input.merchantName],
      ['orderNo', f.merReferenceId],
      ['orderAmount', `${f.currency} ${groupDigits(f.amount)}`],
      ok && f.paidAt !== undefined && ['paidAt', `${chinaClock(f.paidAt)} ${t(lang, 'chinaTime')}`],
      ok && row.channel && ['paidWith', `${methodLabel(lang, row.channel)}${cardTail}`],
    ])}
    ${back}
    ${
      ok && row.ret_url
        ? html`<p class="muted center">${t(lang, 'redirecting')}</p>`
        : html`<p class="muted center">${row.ret_url ? '' : t(lang, 'canClose')}</p>`
    }
  </section>`;
}

export function checkoutPage(input: CheckoutPageInput): string {
  const { lang, row } = input;
  const f = paymentFacts(row);
  const title = `${t(lang, 'checkout')} · ${input.merchantName}`;
  const final = row.state !== 'WAIT_BUYER_PAY';
  if (final) {
    const ok = row.state === 'TRADE_SUCCESS';
    return renderPage({
      lang,
      title,
      frame: 'page',
      ...(ok && row.ret_url ? { head: html`<meta http-equiv="refresh" content="${`5;url=${row.ret_url}`}" />` } : {}),
      body: html`${topbar(input)}${resultCard(input, f)}`,
    });
  }
  let panel: Raw;
  let poll = false;
  if (row.stage === 'processing' || row.stage === 'bank_pending') {
    panel = html`<div class="center">
      ${mark('wait')}
      <div class="headline">${t(lang, 'processingTitle')}</div>
      <div class="status" role="status">
        <span class="spinner" aria-hidden="true"></span>${t(lang, 'bankProcessing')}
      </div>
    </div>`;
    poll = true;
  } else if (input.methods.length === 0 || !input.selected) {
    panel = html`<div class="notice error" role="alert">${t(lang, 'noMethods')}</div>`;
  } else if (input.selected === 'CREDIT_CARD' || input.selected === 'DEBIT_CARD') {
    panel = cardPanel(input, f);
  } else {
    panel = walletPanel(input, f);
    poll = true;
  }
  const selfWithMethod = withQuery(input.selfUrl, input.selected ? { method: input.selected, lang } : { lang });
  return renderPage({
    lang,
    title,
    frame: 'page',
    nonce: input.nonce,
    script: poll ? `${ONE_CLICK_SCRIPT}\n${POLL_SCRIPT}` : ONE_CLICK_SCRIPT,
    ...(poll ? { bodyData: { status: input.statusUrl, done: selfWithMethod } } : {}),
    body: html`${topbar(input)}
      <div class="columns">
        ${summaryCard(lang, f, input.merchantName)}
        <section class="card" aria-labelledby="pay-title">
          <h2 id="pay-title">${t(lang, 'choose')}</h2>
          ${row.stage === 'processing' || row.stage === 'bank_pending' ? '' : tabs(input)} ${panel}
        </section>
      </div>
      <p class="foot">${input.sandbox ? t(lang, 'sandboxNote') : ''} ${raw('&nbsp;')}</p>`,
  });
}
