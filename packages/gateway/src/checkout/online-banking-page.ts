/**
 * The hosted checkout of an online-banking payment (a B2B web checkout, interface_type SERVER_TO_WEB
 * or the sample's CHECKOUT_COUNTER_WEB): the order and a button per bank of the online-banking list,
 * each opening that bank's online-banking page (the bank the merchant named first). A payment that
 * can no longer be paid shows why.
 */
import { html, renderPage, type Lang } from '../pages/layout.ts';
import { t } from '../pages/i18n.ts';
import {
  groupDigits,
  langLink,
  mark,
  orderCurrencyLine,
  paymentFacts,
  stateNotice,
  unpayable,
} from '../pages/common.ts';
import type { PaymentRecord } from '../payments/payment-record.ts';
import type { OnlineBankingBank } from '../payments/checkout-methods.ts';

const TEXT = {
  title: { en: 'Corporate online banking', zh: '企业网银支付' },
  intro: {
    en: "Choose your company's bank: its online banking opens to log in with the company account and pay.",
    zh: '请选择贵公司的开户银行，进入企业网上银行登录企业账户并付款。',
  },
  suggested: { en: 'suggested by the merchant', zh: '商户推荐' },
} as const;

export interface OnlineBankingCheckoutInput {
  readonly lang: Lang;
  readonly row: PaymentRecord;
  readonly merchantName: string;
  readonly selfUrl: string;
  /** Each bank with the URL of its online-banking page for this payment, the merchant's bank first. */
  readonly banks: ReadonlyArray<{ readonly bank: OnlineBankingBank; readonly url: string }>;
}

export function onlineBankingCheckoutPage(input: OnlineBankingCheckoutInput): string {
  const { lang, row } = input;
  const f = paymentFacts(row);
  const blocked = unpayable(lang, row);
  const line = orderCurrencyLine(lang, f);
  const summary = html`<div class="merchant" data-testid="merchant">${input.merchantName}</div>
    <div class="amount" data-testid="amount">¥${groupDigits(f.cny)}</div>
    ${line ? html`<div class="sub-amount">${line}</div>` : ''}
    <table class="kv">
      <tr>
        <td>${t(lang, 'orderNo')}</td>
        <td>${f.merReferenceId}</td>
      </tr>
      <tr>
        <td>${t(lang, 'paymentId')}</td>
        <td>${f.id}</td>
      </tr>
    </table>`;
  const main = blocked
    ? html`${mark(blocked.mark)}
        <div class="headline" data-testid="state-title">${t(lang, blocked.title)}</div>
        ${stateNotice(lang, blocked)}`
    : html`<p class="muted">${TEXT.intro[lang]}</p>
        <div class="banks">
          ${input.banks.map(
            ({ bank, url }, i) =>
              html`<a class="bankbtn" href="${url}" data-testid="${`bank-${bank.code}`}"
                ><span class="code">${bank.code}</span><span>${lang === 'zh' ? bank.name_zh : bank.name}</span>${
                  i === 0 && row.bank_code === bank.code
                    ? html`<span class="badge sandbox">${TEXT.suggested[lang]}</span>`
                    : ''
                }</a
              >`,
          )}
        </div>`;
  return renderPage({
    lang,
    title: `${TEXT.title[lang]} · ${input.merchantName}`,
    frame: 'page',
    body: html`<style>
        .banks {
          display: grid;
          grid-template-columns: 1fr;
          gap: 8px;
          margin-top: 8px;
        }
        @media (min-width: 760px) {
          .banks {
            grid-template-columns: 1fr 1fr;
          }
        }
        .bankbtn {
          display: flex;
          align-items: center;
          gap: 10px;
          border: 1px solid #d0d5dd;
          border-radius: 10px;
          padding: 11px 12px;
          color: #1f2329;
          text-decoration: none;
          font-size: 14px;
        }
        .bankbtn:hover {
          border-color: #1f3a68;
          box-shadow: 0 0 0 2px rgba(31, 58, 104, 0.12);
        }
        .bankbtn .code {
          font-weight: 700;
          color: #1f3a68;
          min-width: 46px;
        }
        .bankbtn .badge {
          margin-left: auto;
        }
      </style>
      <div class="topbar">
        <span class="logo">U</span><span class="title">${t(lang, 'checkout')}</span>${langLink(lang, input.selfUrl)}
      </div>
      <div class="columns">
        <div class="card">${summary}</div>
        <div class="card">
          <h2>${TEXT.title[lang]}</h2>
          ${main}
        </div>
      </div>`,
  });
}
