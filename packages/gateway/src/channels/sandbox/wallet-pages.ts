/**
 * The sandbox wallet (what WeChat Pay or Alipay shows on the payer's phone after scanning a payment's
 * QR code): the order and its amount in CNY, a pay button and a "simulate a failed payment" action;
 * then a result page. A payment that can no longer be paid shows why instead of the button.
 */
import { html, ONE_CLICK_SCRIPT, renderPage, type Lang, type Raw } from '../../pages/layout.ts';
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
  type KvRow,
  type PaymentFacts,
} from '../../pages/common.ts';
import type { PaymentRecord } from '../../payments/payment-record.ts';
import type { WalletProvider } from '../channels.ts';

export interface WalletPageInput {
  readonly lang: Lang;
  readonly provider: WalletProvider;
  readonly row: PaymentRecord;
  readonly merchantName: string;
  readonly token: string;
  /** GET URL of this page (path and query, without lang). */
  readonly selfUrl: string;
  /** Where the pay/fail form posts. */
  readonly payAction: string;
  /** An error from the last action (e.g. the payment was paid meanwhile). */
  readonly error?: PayerMessage | undefined;
  /** The payment's method does not take this wallet. */
  readonly wrongWallet?: boolean;
  readonly nonce: string;
}

/** The provider of a wallet URL's slug (`wechat`, `alipay`). */
export function providerOf(slug: string): WalletProvider | undefined {
  return slug === 'wechat' ? 'WECHAT' : slug === 'alipay' ? 'ALIPAY' : undefined;
}

/** The sandbox wallet page of a payment. */
export function walletPath(provider: WalletProvider, id: string): string {
  return `/sandbox/wallet/${providerSlug(provider)}/${id}`;
}

export function providerSlug(provider: WalletProvider): 'wechat' | 'alipay' {
  return provider === 'WECHAT' ? 'wechat' : 'alipay';
}

function walletName(lang: Lang, provider: WalletProvider): string {
  return t(lang, provider === 'WECHAT' ? 'wechatPay' : 'alipay');
}

function walletBar(lang: Lang, provider: WalletProvider, selfUrl: string): Raw {
  const slug = providerSlug(provider);
  return html`<div class="${`bar ${slug}`}">
    <span class="brand"
      ><span class="logo">${provider === 'WECHAT' ? '微' : '支'}</span>${walletName(lang, provider)}</span
    ><span class="badge">${t(lang, 'sandbox')}</span>${langLink(lang, selfUrl)}
  </div>`;
}

function amountBlock(lang: Lang, facts: PaymentFacts): Raw {
  const line = orderCurrencyLine(lang, facts);
  return html`<div class="amount" data-testid="amount"><span class="ccy">¥</span>${yuanText(facts).slice(1)}</div>
    ${line ? html`<div class="sub-amount" data-testid="order-amount">${line}</div>` : ''}`;
}

function facts(lang: Lang, f: PaymentFacts, ...extra: KvRow[]): Raw {
  return kvTable(lang, [['orderNo', f.merReferenceId], ['paymentId', f.id], ...extra]);
}

/** Script shared by pages with pay buttons: one click only (the domain refuses a second pay anyway). */

export function walletPage(input: WalletPageInput): string {
  const { lang, provider, row } = input;
  const slug = providerSlug(provider);
  const f = paymentFacts(row);
  const blocked = unpayable(lang, row);
  let main: Raw;
  if (input.wrongWallet) {
    main = html`${mark('info')}
      <div class="headline">${t(lang, 'closedTitle')}</div>
      <div class="notice error" role="alert">${t(lang, 'notThisWallet', { wallet: walletName(lang, provider) })}</div>`;
  } else if (blocked) {
    main = html`${mark(blocked.mark, slug)}
      <div class="headline" data-testid="state-title">${t(lang, blocked.title)}</div>
      ${amountBlock(lang, f)} ${stateNotice(lang, blocked)} ${facts(lang, f)}`;
  } else if (row.stage !== 'created' && row.stage !== 'sms_sent') {
    main = html`${mark('wait')}
      <div class="headline">${t(lang, 'processingTitle')}</div>
      ${amountBlock(lang, f)}
      <div class="notice info" role="status">${t(lang, 'inProcessNotice')}</div>
      ${facts(lang, f)}`;
  } else {
    main = html`${amountBlock(lang, f)} ${errorNotice(input.error, lang)}
      ${facts(lang, f, ['payBefore', `${chinaClock(f.expireAt)} ${t(lang, 'chinaTime')}`])}
      <form method="post" action="${input.payAction}">
        ${hiddenFields({ t: input.token, outcome: 'success', lang })}
        <button class="${`btn ${slug}`}" type="submit" data-testid="pay">
          ${t(lang, 'payNow', { amount: yuanText(f) })}
        </button>
      </form>
      <form method="post" action="${input.payAction}">
        ${hiddenFields({ t: input.token, outcome: 'fail', lang })}
        <button class="linkbtn" type="submit" data-testid="fail">${t(lang, 'simulateFail')}</button>
      </form>`;
  }
  return renderPage({
    lang,
    title: `${walletName(lang, provider)} · ${input.merchantName}`,
    frame: 'phone',
    nonce: input.nonce,
    script: ONE_CLICK_SCRIPT,
    body: html`${walletBar(lang, provider, input.selfUrl)}
      <div class="content">
        <div class="merchant" data-testid="merchant">${input.merchantName}</div>
        ${f.summary ? html`<p class="summary">${f.summary}</p>` : ''} ${main}
      </div>
      <div class="foot">${sentences(lang, t(lang, 'sandboxNote'), t(lang, 'walletHint'))}</div>`,
  });
}

export interface WalletResultInput {
  readonly lang: Lang;
  readonly provider: WalletProvider;
  readonly row: PaymentRecord;
  readonly merchantName: string;
  readonly selfUrl: string;
}

/** After paying in the wallet: success or failure. */
export function walletResultPage(input: WalletResultInput): string {
  const { lang, provider, row } = input;
  const slug = providerSlug(provider);
  const f = paymentFacts(row);
  const ok = row.state === 'TRADE_SUCCESS';
  const blocked = unpayable(lang, row);
  const body = ok
    ? html`${mark('ok', slug)}
        <div class="headline" data-testid="result-title">${t(lang, 'paidTitle')}</div>
        ${amountBlock(lang, f)}
        ${kvTable(lang, [
          ['merchant', input.merchantName],
          ['orderNo', f.merReferenceId],
          f.paidAt !== undefined && ['paidAt', `${chinaClock(f.paidAt)} ${t(lang, 'chinaTime')}`],
          ['paidWith', walletName(lang, provider)],
        ])}
        <p class="muted center">${t(lang, 'canClose')}</p>`
    : html`${mark(blocked?.mark === 'info' ? 'info' : 'fail')}
        <div class="headline" data-testid="result-title">${t(lang, blocked?.title ?? 'failedTitle')}</div>
        ${amountBlock(lang, f)} ${blocked ? errorNotice(blocked.error, lang) : ''}
        ${kvTable(lang, [
          ['merchant', input.merchantName],
          ['orderNo', f.merReferenceId],
        ])}
        <p class="muted center">${t(lang, 'canClose')}</p>`;
  return renderPage({
    lang,
    title: `${t(lang, ok ? 'paidTitle' : 'failedTitle')} · ${walletName(lang, provider)}`,
    frame: 'phone',
    body: html`${walletBar(lang, provider, input.selfUrl)}
      <div class="content">${body}</div>
      <div class="foot">${t(lang, 'sandboxNote')}</div>`,
  });
}
