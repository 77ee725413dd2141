/**
 * The sandbox online bank's pages (corporate-bank-routes.ts): what the company's accountant (or, for
 * personal online banking, the payer) sees at the bank: log in with a sandbox account shown on the
 * page, check payee, amount in CNY and order, confirm with the U-shield code (shown in sandbox), and
 * the bank's receipt with the way back to the merchant. Chinese and English; no script but the
 * one-click guard, no asset from elsewhere.
 */
import { html, ONE_CLICK_SCRIPT, raw, renderPage, type Lang, type Raw } from '../../pages/layout.ts';
import { t, type PayerMessage } from '../../pages/i18n.ts';
import {
  chinaClock,
  errorNotice,
  groupDigits,
  hiddenFields,
  langLink,
  mark,
  orderCurrencyLine,
  paymentFacts,
  stateNotice,
  unpayable,
  type PaymentFacts,
} from '../../pages/common.ts';
import { formatScaled } from '../../money/decimal.ts';
import type { Bank } from '../../reference/banks.ts';
import type { PaymentRecord } from '../../payments/payment-record.ts';
import type { OnlineBankingKind } from '../channels.ts';
import type { SandboxBankAccount } from './sandbox-corporate-bank.ts';

const TEXT = {
  corporate: { en: 'Corporate online banking', zh: '企业网上银行' },
  personal: { en: 'Personal online banking', zh: '个人网上银行' },
  loginTitle: { en: 'Log in to pay', zh: '登录并付款' },
  payee: { en: 'Payee', zh: '收款方' },
  payer: { en: 'Paying company', zh: '付款企业' },
  amount: { en: 'Amount', zh: '付款金额' },
  account: { en: 'Account', zh: '付款账户' },
  balance: { en: 'balance', zh: '余额' },
  balanceLabel: { en: 'Balance', zh: '余额' },
  mainAccount: { en: 'Main account', zh: '基本户' },
  lowAccount: { en: 'Low-balance test account', zh: '低余额测试账户' },
  password: { en: 'Login password', zh: '登录密码' },
  logIn: { en: 'Log in', zh: '登录' },
  confirmTitle: { en: 'Confirm the payment', zh: '确认付款' },
  ushield: { en: 'U-shield code', zh: 'U盾动态码' },
  ushieldHint: {
    en: 'Sandbox: the U-shield (USB key) shows this code: {code}',
    zh: '沙箱：U盾（USB Key）显示的动态码为 {code}',
  },
  pay: { en: 'Confirm and pay {amount}', zh: '确认付款 {amount}' },
  cancel: { en: 'Cancel and return to the merchant', zh: '取消并返回商户' },
  otherAccount: { en: 'Use another account', zh: '更换付款账户' },
  badPassword: { en: 'The login password is not correct.', zh: '登录密码错误。' },
  badCode: { en: 'The U-shield code is not correct.', zh: 'U盾动态码错误。' },
  paidTitle: { en: 'Payment made', zh: '付款成功' },
  paidNotice: {
    en: 'The bank has paid {amount} to {payee}; the payment platform tells the merchant.',
    zh: '已向 {payee} 付款 {amount}，支付平台将通知商户。',
  },
  backToMerchant: { en: 'Return to the merchant', zh: '返回商户' },
  cancelledTitle: { en: 'Payment cancelled', zh: '已取消付款' },
  cancelledNotice: {
    en: 'Nothing was paid. The order stays open until it expires: you can pay it later.',
    zh: '未发生扣款。订单在有效期内仍可继续支付。',
  },
  sandboxBank: {
    en: 'Sandbox bank: accounts, password and U-shield code are test values; no real money moves.',
    zh: '沙箱银行：账户、密码与U盾动态码均为测试数据，不会产生真实扣款。',
  },
  testValues: {
    en:
      'Password of every sandbox account: {password}. The low-balance account holds CNY 10.00: paying more is ' +
      'refused (insufficient funds).',
    zh: '所有沙箱账户的登录密码：{password}。低余额测试账户仅有 10.00 元，付款金额超过余额将被拒绝（余额不足）。',
  },
  payBefore: { en: 'Pay before', zh: '付款截止' },
} as const;

type Key = keyof typeof TEXT;

function say(lang: Lang, key: Key, vars: Readonly<Record<string, string>> = {}): string {
  return TEXT[key][lang].replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? vars[name]! : whole));
}

/** The bank pages' own look (inline: the pages' CSP allows inline styles, nothing from elsewhere). */
const BANK_CSS = raw(`<style>
.bankpage{max-width:560px;margin:0 auto;background:#fff;border-radius:14px;box-shadow:0 4px 24px rgba(0,0,0,.08);
overflow:hidden}
.bankbar{display:flex;align-items:center;gap:10px;padding:14px 18px;background:#1f3a68;color:#fff}
.bankbar .logo{width:34px;height:34px;border-radius:50%;background:#fff;color:#1f3a68;display:inline-flex;
align-items:center;justify-content:center;font-weight:800;font-size:13px;flex:none}
.bankbar .name{font-weight:700;line-height:1.2}.bankbar .name small{display:block;font-weight:400;opacity:.85}
.bankbar .lang{margin-left:auto}
.bankpage .content{padding:20px 22px}
.bankpage h1{font-size:18px;margin:0 0 12px}
.bankpage .amount{text-align:left;font-size:30px;margin:0}
.bankpage .sub-amount{text-align:left}
.facts{width:100%;border-collapse:collapse;font-size:14px;margin:12px 0}
.facts td{padding:8px 0;border-bottom:1px solid #f0f1f3;vertical-align:top}
.facts td:first-child{color:#6b7280;width:34%;padding-right:10px}
.facts td:last-child{word-break:break-all}
.accounts{display:grid;gap:8px;margin:6px 0 4px}
.acct{display:flex;align-items:center;gap:10px;border:1px solid #d0d5dd;border-radius:10px;padding:10px 12px;
cursor:pointer;margin:0;color:#1f2329;font-size:14px}
.acct input{width:auto;margin:0}
.acct .no{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
.acct .bal{margin-left:auto;color:#6b7280;font-size:13px;white-space:nowrap}
.acct:has(input:checked){border-color:#1f3a68;box-shadow:0 0 0 2px rgba(31,58,104,.15)}
.bankpage .btn.bank{background:#1f3a68;margin-top:16px}
.cancel{display:block;text-align:center;margin-top:14px;color:#6b7280;font-size:14px}
.ushield{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:20px;letter-spacing:.15em;
color:#1f2329}
@media (max-width:480px){.shell{padding:0}.bankpage{border-radius:0;box-shadow:none;min-height:100vh}
.acct{flex-wrap:wrap}.acct .bal{margin-left:26px;width:100%}}
</style>`);

export interface BankPageContext {
  readonly lang: Lang;
  readonly bank: Bank;
  readonly kind: OnlineBankingKind;
  readonly row: PaymentRecord;
  readonly merchantName: string;
  /** B2B: the paying company's name. */
  readonly companyName: string | undefined;
  /** GET URL of this page (path and query, without lang), for the language link. */
  readonly selfUrl: string;
  /** Where "cancel" goes (the bank's cancel route: back to ret_url). */
  readonly cancelUrl: string;
}

function bankName(lang: Lang, bank: Bank): string {
  return lang === 'zh' ? bank.name_zh : bank.name;
}

function frame(c: BankPageContext, title: string, body: Raw, nonce?: string): string {
  const product = say(c.lang, c.kind === 'B2B' ? 'corporate' : 'personal');
  return renderPage({
    lang: c.lang,
    title: `${title} · ${bankName(c.lang, c.bank)}`,
    frame: 'page',
    ...(nonce ? { nonce, script: ONE_CLICK_SCRIPT } : {}),
    body: html`${BANK_CSS}
      <div class="bankpage">
        <div class="bankbar">
          <span class="logo" aria-hidden="true">${c.bank.code.slice(0, 4)}</span>
          <span class="name">${bankName(c.lang, c.bank)}<small>${product}</small></span>
          <span class="badge">${t(c.lang, 'sandbox')}</span>
          ${langLink(c.lang, c.selfUrl)}
        </div>
        <div class="content">${body}</div>
        <div class="foot">${say(c.lang, 'sandboxBank')}</div>
      </div>`,
  });
}

function cny(facts: PaymentFacts): string {
  return `CNY ${groupDigits(facts.cny)}`;
}

type FactRow = [label: string, value: string | Raw];

function orderFacts(c: BankPageContext, f: PaymentFacts, extra: FactRow[] = []): Raw {
  const rows: FactRow[] = [
    [say(c.lang, 'payee'), c.merchantName],
    ...(c.companyName ? ([[say(c.lang, 'payer'), c.companyName]] as FactRow[]) : []),
    [t(c.lang, 'orderNo'), f.merReferenceId],
    [t(c.lang, 'paymentId'), f.id],
    ...extra,
  ];
  return html`<table class="facts">
    ${rows.map(
      ([label, value]) =>
        html`<tr>
          <td>${label}</td>
          <td>${value}</td>
        </tr>`,
    )}
  </table>`;
}

function amountBlock(c: BankPageContext, f: PaymentFacts): Raw {
  const line = orderCurrencyLine(c.lang, f);
  return html`<div class="muted">${say(c.lang, 'amount')}</div>
    <div class="amount" data-testid="amount">${cny(f)}</div>
    ${line ? html`<div class="sub-amount" data-testid="order-amount">${line}</div>` : ''}`;
}

function accountLabel(lang: Lang, account: SandboxBankAccount): string {
  return say(lang, account.label === 'main' ? 'mainAccount' : 'lowAccount');
}

/** Why this payment cannot be paid any more (paid, closed, failed): the state instead of the forms. */
function blockedBody(c: BankPageContext, f: PaymentFacts): Raw | undefined {
  const blocked = unpayable(c.lang, c.row);
  if (!blocked) return undefined;
  return html`${mark(blocked.mark)}
    <div class="headline" data-testid="state-title">${t(c.lang, blocked.title)}</div>
    ${amountBlock(c, f)} ${stateNotice(c.lang, blocked)} ${orderFacts(c, f)}
    <a class="cancel" href="${c.cancelUrl}" data-testid="back">${say(c.lang, 'backToMerchant')}</a>`;
}

export interface BankLoginInput extends BankPageContext {
  readonly accounts: ReadonlyArray<{ readonly account: SandboxBankAccount; readonly balanceFen: bigint }>;
  readonly token: string;
  readonly loginAction: string;
  readonly chosen?: string | undefined;
  readonly error?: PayerMessage | undefined;
  readonly nonce: string;
}

/** Step 1: the order, the sandbox accounts to log in with, the password. */
export function bankLoginPage(input: BankLoginInput): string {
  const { lang } = input;
  const f = paymentFacts(input.row);
  const blocked = blockedBody(input, f);
  if (blocked) return frame(input, say(lang, 'loginTitle'), blocked);
  const chosen = input.chosen ?? input.accounts[0]?.account.number;
  const body = html`<h1>${say(lang, 'loginTitle')}</h1>
    ${amountBlock(input, f)}
    ${orderFacts(input, f, [[say(lang, 'payBefore'), `${chinaClock(f.expireAt)} ${t(lang, 'chinaTime')}`]])}
    ${errorNotice(input.error, lang)}
    <form method="post" action="${input.loginAction}">
      ${hiddenFields({ t: input.token, lang })}
      <label>${say(lang, 'account')}</label>
      <div class="accounts" role="radiogroup">
        ${input.accounts.map(
          ({ account, balanceFen }) =>
            html`<label class="acct"
              ><input
                type="radio"
                name="account"
                value="${account.number}"
                data-testid="${`account-${account.label}`}"
                ${raw(account.number === chosen ? 'checked' : '')}
              /><span>${accountLabel(lang, account)}<br /><span class="no">${groupAccount(account.number)}</span></span
              ><span class="bal">${say(lang, 'balance')} CNY ${groupDigits(formatScaled(balanceFen, 2))}</span></label
            >`,
        )}
      </div>
      <label for="password">${say(lang, 'password')}</label>
      <input id="password" name="password" type="password" autocomplete="off" data-testid="password" />
      <div class="sandbox-box">${say(lang, 'testValues', { password: '111111' })}</div>
      <button class="btn bank" type="submit" data-testid="login">${say(lang, 'logIn')}</button>
    </form>
    <a class="cancel" href="${input.cancelUrl}" data-testid="cancel">${say(lang, 'cancel')}</a>`;
  return frame(input, say(lang, 'loginTitle'), body, input.nonce);
}

export interface BankConfirmInput extends BankPageContext {
  readonly account: SandboxBankAccount;
  readonly balanceFen: bigint;
  readonly token: string;
  readonly proof: string;
  readonly payAction: string;
  /** Back to the login step (another account). */
  readonly loginUrl: string;
  /** The sandbox U-shield's code, shown on the page. */
  readonly ushieldCode: string;
  readonly error?: PayerMessage | undefined;
  readonly nonce: string;
}

/** Step 2: logged in; the payment from the chosen account, confirmed with the U-shield code. */
export function bankConfirmPage(input: BankConfirmInput): string {
  const { lang, account } = input;
  const f = paymentFacts(input.row);
  const blocked = blockedBody(input, f);
  if (blocked) return frame(input, say(lang, 'confirmTitle'), blocked);
  const accountText = html`${accountLabel(lang, account)}<br /><span class="nowrap"
      >${groupAccount(account.number)}</span
    >`;
  const balance = `CNY ${groupDigits(formatScaled(input.balanceFen, 2))}`;
  const body = html`<h1>${say(lang, 'confirmTitle')}</h1>
    ${amountBlock(input, f)}
    ${orderFacts(input, f, [
      [say(lang, 'account'), accountText],
      [say(lang, 'balanceLabel'), balance],
    ])}
    ${errorNotice(input.error, lang)}
    <form method="post" action="${input.payAction}">
      ${hiddenFields({ t: input.token, lang, account: account.number, proof: input.proof })}
      <label for="ushield">${say(lang, 'ushield')}</label>
      <input
        id="ushield"
        name="ushield"
        inputmode="numeric"
        maxlength="6"
        autocomplete="one-time-code"
        data-testid="ushield"
      />
      <div class="sandbox-box">
        ${say(lang, 'ushieldHint', { code: '' })}<span class="ushield" data-testid="ushield-code"
          >${input.ushieldCode}</span
        >
      </div>
      <button class="btn bank" type="submit" data-testid="pay">${say(lang, 'pay', { amount: cny(f) })}</button>
    </form>
    <a class="cancel" href="${input.loginUrl}" data-testid="other-account">${say(lang, 'otherAccount')}</a>
    <a class="cancel" href="${input.cancelUrl}" data-testid="cancel">${say(lang, 'cancel')}</a>`;
  return frame(input, say(lang, 'confirmTitle'), body, input.nonce);
}

export interface BankReceiptInput extends BankPageContext {
  readonly account: string | undefined;
  readonly paidAt: number | undefined;
  /** Where "return to the merchant" goes: ret_url, or nothing when the payment has none. */
  readonly returnUrl: string | undefined;
}

/** Step 3: the bank's receipt (the platform hears about it asynchronously) and the way back. */
export function bankReceiptPage(input: BankReceiptInput): string {
  const { lang } = input;
  const f = paymentFacts(input.row);
  const extra: FactRow[] = [];
  if (input.account)
    extra.push([say(lang, 'account'), html`<span class="nowrap">${groupAccount(input.account)}</span>`]);
  if (input.paidAt !== undefined)
    extra.push([t(lang, 'paidAt'), `${chinaClock(input.paidAt)} ${t(lang, 'chinaTime')}`]);
  const body = html`${mark('ok', 'umf')}
    <div class="headline" data-testid="result-title">${say(lang, 'paidTitle')}</div>
    <div class="notice ok" role="status">${say(lang, 'paidNotice', { amount: cny(f), payee: input.merchantName })}</div>
    ${orderFacts(input, f, extra)}
    ${
      input.returnUrl
        ? html`<a class="btn bank" href="${input.returnUrl}" data-testid="return">${say(lang, 'backToMerchant')}</a>`
        : html`<p class="muted center">${t(lang, 'canClose')}</p>`
    }`;
  return frame(input, say(lang, 'paidTitle'), body);
}

/** Cancelled at the bank, for a payment without ret_url (with one, the bank sends the payer back there). */
export function bankCancelledPage(input: BankPageContext): string {
  const { lang } = input;
  const f = paymentFacts(input.row);
  const body = html`${mark('info')}
    <div class="headline" data-testid="result-title">${say(lang, 'cancelledTitle')}</div>
    <div class="notice info" role="status">${say(lang, 'cancelledNotice')}</div>
    ${orderFacts(input, f)}
    <p class="muted center">${t(lang, 'canClose')}</p>`;
  return frame(input, say(lang, 'cancelledTitle'), body);
}

/** "6212 3456 7890 1234 501": an account number in groups of four. */
function groupAccount(number: string): string {
  return number.replace(/(\d{4})(?=\d)/g, '$1 ');
}

/** The words of a refusal the bank pages show (not domain reasons: the bank's own). */
export function bankRefusal(lang: Lang, key: 'badPassword' | 'badCode'): PayerMessage {
  return { code: '00060700', text: say(lang, key) };
}
