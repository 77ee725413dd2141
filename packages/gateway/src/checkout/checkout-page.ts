/**
 * The hosted checkout (收银台): the order summary beside the payment (one column on a phone). The
 * buyer picks among the payment's methods: a bank card (card form -> SMS code -> pay) or a wallet QR
 * code (WeChat Pay, Alipay) with an "open in wallet" link and a small script that polls the payment's
 * state. A paid, failed or closed payment shows its result and sends the buyer back to ret_url.
 *
 * What the buyer typed, after a refusal of the card form (a field left empty, a citizen id with a
 * wrong check digit 00060022, a card the bank refuses...): the page answering that POST gives back
 * every field but the CVV2, marks the field at fault and puts the cursor there (or in the CVV2), so
 * that one wrong character does not cost the whole form. The decision, as a payment page designer
 * takes it:
 *   - the CVV2 is never written into a page (PCI DSS 3.3: it must not outlive the bank's check, and
 *     a page is a copy of it); the buyer types it again, and the page says so;
 *   - the card number, expiry, holder name, citizen id and phone are written back, HTML-escaped,
 *     into the answer to the POST that carried them: same origin, same browser, the one that just
 *     sent them. Never into a URL, a redirect or a log line. The answer is `cache-control: no-store`
 *     (pages/page-kit.ts sendHtml, every page), so neither the browser's cache nor a proxy keeps a
 *     copy, and `referrer-policy: no-referrer`; going back to it asks to post the form again;
 *   - pages reached by GET (the code step, the result) show at most the last four digits and a masked
 *     phone.
 * Sandbox mode only (never with UMF_MODE=live): a help card explains every test value (the test cards
 * and their last four digits, expiry, CVV2, a citizen id with a valid check digit, any phone, where the
 * SMS code is) with buttons that fill them in, and once a code is sent a banner shows this payment's
 * code from the sandbox SMS inbox.
 */
import { esc, html, raw, renderPage, type Lang, type Raw } from '../pages/layout.ts';
import { t, type PayerMessage, type TextKey } from '../pages/i18n.ts';
import {
  chinaClock,
  chinaClockTime,
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
import {
  FILL_SCRIPT,
  SANDBOX_TEST_CARDS,
  SANDBOX_TEST_VALUES,
  groupCard,
  sandboxTestValues,
  testValuesFill,
} from '../pages/sandbox-help.ts';
import { isCardMethod, type PaymentRecord } from '../payments/payment-record.ts';

export type CheckoutMethod = 'CREDIT_CARD' | 'DEBIT_CARD' | 'WECHAT_SCAN' | 'ALIPAY_SCAN';

/** The card form's fields (their names and ids). */
export type CardField = 'card_number' | 'valid_date' | 'cvv2' | 'holder_name' | 'citizen_id' | 'phone';

/** What the buyer typed into the card form, given back after a refusal: never the CVV2 (see the header). */
export type TypedCard = Readonly<Partial<Record<Exclude<CardField, 'cvv2'>, string>>>;

/** The newest sandbox SMS of this payment (sandbox mode only). */
export interface SandboxSmsShown {
  readonly phone: string;
  readonly code: string;
  readonly sentAt: number;
  /** Past the code's 5 minutes. */
  readonly expired: boolean;
}

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
  /** After a refusal of the card form: what the buyer typed (the form shows it again). */
  readonly typed?: TypedCard | undefined;
  /** The fields to mark as wrong: the empty ones, or the one a refusal names. */
  readonly invalid?: readonly CardField[] | undefined;
  /** Sandbox mode: this payment's newest SMS code, for the banner of the code step. */
  readonly sandboxSms?: SandboxSmsShown | undefined;
  readonly nonce: string;
}

/** The field a refusal of the card form is about (the return code's), if it names one. */
export function fieldOfRefusal(code: string, method: 'CREDIT_CARD' | 'DEBIT_CARD'): CardField | undefined {
  switch (code) {
    case '00060875': // card number not correct (Luhn)
    case '00060076': // a card of the other kind
      return 'card_number';
    case '00060022': // citizen id check digit
    case '00290502': // citizen id and name do not match
      return 'citizen_id';
    case '00060720':
      return 'phone';
    case '00200026': // card expired
      return method === 'CREDIT_CARD' ? 'valid_date' : 'card_number';
    default:
      return undefined;
  }
}

/** Each field's input attributes (maxlength also bounds what is written back). */
const FIELD_ATTRIBUTES: Readonly<Record<CardField, Readonly<Record<string, string>>>> = {
  card_number: { inputmode: 'numeric', autocomplete: 'cc-number', maxlength: '23' },
  valid_date: { inputmode: 'numeric', autocomplete: 'off', maxlength: '4', pattern: '[0-9]{4}', placeholder: 'YYMM' },
  cvv2: { inputmode: 'numeric', autocomplete: 'cc-csc', maxlength: '4', pattern: '[0-9]{3,4}', placeholder: '•••' },
  holder_name: { autocomplete: 'cc-name', maxlength: '64' },
  citizen_id: { autocomplete: 'off', maxlength: '18' },
  phone: { type: 'tel', inputmode: 'tel', autocomplete: 'tel', maxlength: '20' },
};

/** The label of each field (also what a "please fill in" message names). */
export const CARD_FIELD_LABELS: Readonly<Record<CardField, TextKey>> = {
  card_number: 'cardNumber',
  valid_date: 'validDate',
  cvv2: 'cvv2',
  holder_name: 'holderName',
  citizen_id: 'citizenId',
  phone: 'phone',
};

function attributes(values: Readonly<Record<string, string | undefined>>): Raw {
  return raw(
    Object.entries(values)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => ` ${name}="${esc(value)}"`)
      .join(''),
  );
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
  return html`<section class="card summary-card" aria-labelledby="summary-title">
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

/** The sandbox banner of the code step: this payment's code, as the sandbox SMS inbox has it. */
function sandboxSmsBanner(lang: Lang, sms: SandboxSmsShown | undefined): Raw {
  if (!sms) return html``;
  return html`<div class="sandbox-box sms" role="status" data-testid="sandbox-sms">
    <div><span class="badge sandbox">${t(lang, 'sandboxSmsTitle')}</span></div>
    <div class="mt-s">${t(lang, 'sandboxSmsCode', { phone: sms.phone, time: chinaClockTime(sms.sentAt) })}</div>
    <div class="smscode">
      <strong data-testid="sandbox-sms-code">${sms.code}</strong>
      ${
        sms.expired
          ? html`<span class="expired">${t(lang, 'sandboxSmsExpired')}</span>`
          : html`<button type="button" class="fill" data-fill="${JSON.stringify({ sms_code: sms.code })}">
              ${t(lang, 'fillCode')}
            </button>`
      }
    </div>
    <div class="hint">${t(lang, 'sandboxSmsNote')} <code>GET /sandbox/sms?phone=${sms.phone}</code></div>
  </div>`;
}

/** One field of the card form: what was typed (never the CVV2), marked when at fault, with its hint. */
function cardField(
  input: CheckoutPageInput,
  name: CardField,
  options: { readonly placeholder?: string; readonly hint?: Raw | undefined; readonly focus: CardField | undefined },
): Raw {
  const { lang } = input;
  const attrs = FIELD_ATTRIBUTES[name];
  const typed = name === 'cvv2' ? undefined : input.typed?.[name];
  const value = (typed ?? (name === 'phone' ? (input.row.phone ?? '') : '')).slice(0, Number(attrs['maxlength']));
  const invalid = input.invalid?.includes(name) ?? false;
  const hintId = options.hint ? `${name}-hint` : undefined;
  return html`<label for="${name}" ${raw(invalid ? 'class="invalid"' : '')}>${t(lang, CARD_FIELD_LABELS[name])}</label>
    <input
      id="${name}"
      name="${name}"
      ${attributes({
        ...attrs,
        placeholder: options.placeholder ?? attrs['placeholder'],
        value: value || undefined,
        'aria-invalid': invalid ? 'true' : undefined,
        'aria-describedby': hintId,
      })}
      ${raw(options.focus === name ? 'autofocus' : '')}
      required
    />
    ${options.hint ? html`<div class="hint" id="${hintId}">${options.hint}</div>` : ''}`;
}

/** The card panel asks for the SMS code (a code was sent for the selected card method), not for a card. */
function isCodeStep(input: CheckoutPageInput): boolean {
  const { row } = input;
  return (
    row.stage === 'sms_sent' &&
    !input.editCard &&
    (row.channel === input.selected || !input.methods.includes(row.channel as CheckoutMethod))
  );
}

function cardPanel(input: CheckoutPageInput, f: PaymentFacts): Raw {
  const { lang, row, sandbox } = input;
  const method = input.selected as 'CREDIT_CARD' | 'DEBIT_CARD';
  if (isCodeStep(input)) {
    return html`<div class="sent" role="status" data-testid="code-sent">
        ${t(lang, 'codeSent', { phone: maskPhone(row.phone), last4: row.card_last4 ?? '' })}
      </div>
      ${sandbox ? sandboxSmsBanner(lang, input.sandboxSms) : ''} ${errorNotice(input.error, lang)}
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
  const testCard = groupCard(credit ? SANDBOX_TEST_CARDS[0]!.credit : SANDBOX_TEST_CARDS[0]!.debit);
  const v = SANDBOX_TEST_VALUES;
  // The cursor goes to the field at fault; after a refusal that names none, to the CVV2 to type again.
  const focus = input.invalid?.[0] ?? (input.typed ? (credit ? 'cvv2' : 'card_number') : undefined);
  const hint = (key: TextKey, vars: Readonly<Record<string, string>> = {}) =>
    sandbox ? html`${t(lang, key, vars)}` : undefined;
  const cvv2Hint = input.typed ? html`${t(lang, 'retypeCvv2')}` : hint('hintTestCvv2');
  return html`${errorNotice(input.error, lang)}
    <form method="post" action="${input.cardAction}" autocomplete="on">
      ${hiddenFields({ t: input.token, lang, method })}
      ${
        sandbox
          ? html`<button type="button" class="fill wide" data-fill="${testValuesFill(method)}" data-testid="fill-test">
              ${t(lang, 'fillTestValues')}
            </button>`
          : ''
      }
      ${cardField(input, 'card_number', {
        placeholder: t(lang, credit ? 'cardNumberCredit' : 'cardNumberDebit'),
        hint: sandbox
          ? html`<span data-testid="test-card">${t(lang, 'testCard', { card: testCard })}</span>`
          : undefined,
        focus,
      })}
      ${
        credit
          ? html`<div class="grid">
              <div>
                ${cardField(input, 'valid_date', { hint: hint('hintTestExpiry', { date: v.validDate }), focus })}
              </div>
              <div>${cardField(input, 'cvv2', { hint: cvv2Hint, focus })}</div>
            </div>`
          : ''
      }
      ${cardField(input, 'holder_name', { focus })}
      ${cardField(input, 'citizen_id', { hint: hint('hintTestCitizenId', { id: v.citizenId }), focus })}
      ${cardField(input, 'phone', { hint: hint('hintTestPhone', { phone: v.phone }), focus })}
      <div class="mt">
        <button class="btn umf" type="submit" data-testid="send-code">${t(lang, 'sendCode')}</button>
      </div>
      <p class="hint">${t(lang, 'secureNote')}</p>
    </form>`;
}

/** Sandbox mode: the test values of the selected method, beside the payment (below it on a phone). */
function sandboxHelp(input: CheckoutPageInput): Raw {
  const { lang, row, selected } = input;
  if (!input.sandbox || !selected || row.stage === 'processing' || row.stage === 'bank_pending') return html``;
  const card = selected === 'CREDIT_CARD' || selected === 'DEBIT_CARD';
  const formStep = card && !isCodeStep(input);
  const wallet = t(lang, selected === 'WECHAT_SCAN' ? 'wechat' : 'alipay');
  const body = card
    ? sandboxTestValues(lang, { kind: selected, fill: formStep, phone: row.phone ?? undefined })
    : html`<p>${t(lang, 'sandboxWalletHelp', { wallet })}</p>
        <code class="block">POST /sandbox/payments/${row.id}/pay</code>
        <code class="block">{"outcome":"success"|"fail"}</code>`;
  return html`<aside class="card help" aria-labelledby="help-title" data-testid="sandbox-help">
    <h2 id="help-title">
      <span class="badge sandbox">${t(lang, 'sandbox')}</span>
      ${t(lang, card ? 'sandboxHelpTitle' : 'sandboxWalletTitle')}
    </h2>
    ${body}
  </aside>`;
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
    script: [ONE_CLICK_SCRIPT, poll ? POLL_SCRIPT : '', input.sandbox ? FILL_SCRIPT : ''].filter(Boolean).join('\n'),
    ...(poll ? { bodyData: { status: input.statusUrl, done: selfWithMethod } } : {}),
    body: html`${topbar(input)}
      <div class="columns">
        <div class="side">${summaryCard(lang, f, input.merchantName)} ${sandboxHelp(input)}</div>
        <section class="card pay" aria-labelledby="pay-title">
          <h2 id="pay-title">${t(lang, 'choose')}</h2>
          ${row.stage === 'processing' || row.stage === 'bank_pending' ? '' : tabs(input)} ${panel}
        </section>
      </div>
      <p class="foot">${input.sandbox ? t(lang, 'sandboxNote') : ''} ${raw('&nbsp;')}</p>`,
  });
}
