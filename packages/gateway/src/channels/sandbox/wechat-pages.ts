/**
 * The sandbox WeChat pages: the official-account authorisation page (open_id, snsapi_base) and the
 * payment sheet the WeChat browser shows for `WeixinJSBridge.invoke('getBrandWCPayRequest', ...)`.
 */
import { html, renderPage, type Lang, type Raw } from '../../pages/layout.ts';
import { t, type PayerMessage } from '../../pages/i18n.ts';
import {
  chinaClock,
  errorNotice,
  langLink,
  mark,
  orderCurrencyLine,
  paymentFacts,
  sentences,
  stateNotice,
  unpayable,
  yuanText,
  hiddenFields,
  kvTable,
} from '../../pages/common.ts';
import { ONE_CLICK_SCRIPT } from '../../pages/layout.ts';
import type { PaymentRecord } from '../../payments/payment-record.ts';

function wechatBar(lang: Lang, title: string, selfUrl: string | undefined): Raw {
  return html`<div class="bar wechat">
    <span class="brand"><span class="logo">微</span>${title}</span
    ><span class="badge">${t(lang, 'sandbox')}</span>${selfUrl ? langLink(lang, selfUrl) : ''}
  </div>`;
}

export interface AuthorizePageInput {
  readonly lang: Lang;
  readonly merchantName: string;
  readonly state: string;
  readonly action: string;
  readonly selfUrl: string;
  readonly userName: string;
  readonly nonce: string;
}

export function authorizePage(input: AuthorizePageInput): string {
  const { lang } = input;
  const initial = Array.from(input.merchantName.trim())[0] ?? '?';
  return renderPage({
    lang,
    title: `${t(lang, 'authTitle')} · ${input.merchantName}`,
    frame: 'phone',
    nonce: input.nonce,
    script: ONE_CLICK_SCRIPT,
    body: html`${wechatBar(lang, t(lang, 'wechat'), input.selfUrl)}
      <div class="content">
        <div class="avatar" aria-hidden="true">${initial.toUpperCase()}</div>
        <div class="headline" data-testid="auth-request">
          ${t(lang, 'authRequest', { merchant: input.merchantName })}
        </div>
        <ul class="perm">
          <li>${t(lang, 'authPerm1')}</li>
          <li>${t(lang, 'authPerm2')}</li>
        </ul>
        <form method="post" action="${input.action}">
          ${hiddenFields({ state: input.state, lang })}
          <label for="user_name">${t(lang, 'userName')}</label>
          <input id="user_name" name="user_name" value="${input.userName}" maxlength="64" autocomplete="off" />
          <div class="hint">${t(lang, 'userNameHint')}</div>
          <div class="row">
            <button class="btn secondary" type="submit" name="decision" value="deny" data-testid="deny">
              ${t(lang, 'deny')}
            </button>
            <button class="btn wechat" type="submit" name="decision" value="accept" data-testid="accept">
              ${t(lang, 'accept')}
            </button>
          </div>
        </form>
      </div>
      <div class="foot">${t(lang, 'sandboxNote')}</div>`,
  });
}

/** A WeChat page that cannot be used: a forged, altered or expired state, a bad paySign. */
export function wechatErrorPage(
  lang: Lang,
  title: 'authTitle' | 'wechatPay',
  message: string,
  selfUrl?: string,
): string {
  const headline = title === 'authTitle' ? 'authTitle' : 'requestRefused';
  return renderPage({
    lang,
    title: t(lang, title),
    frame: 'phone',
    body: html`${wechatBar(lang, t(lang, title === 'authTitle' ? 'wechat' : 'wechatPay'), selfUrl)}
      <div class="content center">
        ${mark('fail')}
        <div class="headline">${t(lang, headline)}</div>
        <div class="notice error" role="alert" data-testid="error">${message}</div>
      </div>`,
  });
}

export interface JsapiPageInput {
  readonly lang: Lang;
  readonly row: PaymentRecord;
  readonly merchantName: string;
  readonly payerName: string | undefined;
  /** The query's JS-API parameters, posted back with the confirmation. */
  readonly params: Readonly<Record<string, string>>;
  readonly action: string;
  readonly cancelUrl: string | undefined;
  readonly selfUrl: string;
  readonly nonce: string;
  /** An error from the confirmation (e.g. paid meanwhile). */
  readonly error?: PayerMessage | undefined;
}

export function jsapiPage(input: JsapiPageInput): string {
  const { lang, row } = input;
  const f = paymentFacts(row);
  const blocked = unpayable(lang, row);
  const line = orderCurrencyLine(lang, f);
  const actions = blocked
    ? html`${stateNotice(lang, blocked)}
      ${
        input.cancelUrl
          ? html`<a class="btn secondary" href="${input.cancelUrl}" data-testid="back"
              >${t(lang, 'backToMerchant', { merchant: input.merchantName })}</a
            >`
          : ''
      }`
    : html`${errorNotice(input.error, lang)}
        <form method="post" action="${input.action}">
          ${hiddenFields({ ...input.params, lang })}
          <button class="btn wechat" type="submit" data-testid="confirm">
            ${t(lang, 'confirmPay')} ${yuanText(f)}
          </button>
        </form>
        ${
          input.cancelUrl
            ? html`<a class="btn secondary" href="${input.cancelUrl}" data-testid="cancel">${t(lang, 'cancel')}</a>`
            : ''
        }`;
  return renderPage({
    lang,
    title: `${t(lang, 'wechatPay')} · ${input.merchantName}`,
    frame: 'phone',
    nonce: input.nonce,
    script: ONE_CLICK_SCRIPT,
    body: html`${wechatBar(lang, t(lang, 'wechatPay'), input.selfUrl)}
      <div class="content">
        ${
          blocked
            ? html`${mark(blocked.mark)}
                <div class="headline" data-testid="state-title">${t(lang, blocked.title)}</div>`
            : ''
        }
        <div class="merchant" data-testid="merchant">${input.merchantName}</div>
        ${f.summary ? html`<p class="summary">${f.summary}</p>` : ''}
        <div class="amount" data-testid="amount"><span class="ccy">¥</span>${yuanText(f).slice(1)}</div>
        ${line ? html`<div class="sub-amount">${line}</div>` : ''}
        ${kvTable(lang, [
          ['orderNo', f.merReferenceId],
          input.payerName && ['payingAs', input.payerName, 'payer'],
          !blocked && ['payBefore', `${chinaClock(f.expireAt)} ${t(lang, 'chinaTime')}`],
        ])}
        ${actions}
      </div>
      <div class="foot">${sentences(lang, t(lang, 'sandboxNote'), t(lang, 'jsapiHint'))}</div>`,
  });
}
