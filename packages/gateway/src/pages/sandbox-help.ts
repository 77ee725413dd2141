/**
 * The sandbox's test values as the pages explain them (the checkout's help and the start page; sandbox
 * mode only): the test cards and what the sandbox bank does with each (channels/sandbox/
 * sandbox-card-bank.ts, README "Test cards"), a citizen id with a valid check digit, any mainland
 * phone, and where the SMS code is. `data-fill` buttons fill the card form (FILL_SCRIPT).
 */
import { html, type Lang, type Raw } from './layout.ts';
import { t, type TextKey } from './i18n.ts';

export interface TestCard {
  /** The last four digits ("luhn": a number failing the Luhn check). */
  readonly last4: string;
  /** What the row says instead of the digits ("0001 or any other", "Luhn check fails"). */
  readonly label?: TextKey;
  readonly credit: string;
  readonly debit: string;
  readonly outcome: TextKey;
}

export const SANDBOX_TEST_CARDS: readonly TestCard[] = [
  { last4: '0001', label: 'testAnyOther', credit: '6225760000040001', debit: '6217000010000020001', outcome: 'testOk' },
  { last4: '0002', credit: '6225760000030002', debit: '6217000010000010002', outcome: 'test0002' },
  { last4: '0003', credit: '6225760000020003', debit: '6217000010000000003', outcome: 'test0003' },
  { last4: '0004', credit: '6225760000010004', debit: '6217000010000090004', outcome: 'test0004' },
  { last4: '0005', credit: '6225760000000005', debit: '6217000010000080005', outcome: 'test0005' },
  {
    last4: 'luhn',
    label: 'testLuhn',
    credit: '6225760000040002',
    debit: '6217000010000020002',
    outcome: 'testLuhnOutcome',
  },
];

/** The other test values: a checksum-valid (made-up) citizen id, a phone, an expiry, a CVV2 and a name. */
export const SANDBOX_TEST_VALUES = {
  citizenId: '11010519491231002X',
  phone: '13800138000',
  validDate: '3012',
  cvv2: '123',
  holderName: 'Zhang San',
} as const;

export type TestCardKind = 'CREDIT_CARD' | 'DEBIT_CARD';

/** "6225 7600 0004 0001": a card number in groups of four, as a person copies it. */
export function groupCard(number: string): string {
  return number.replace(/(\d{4})(?=\d)/g, '$1 ');
}

/** The `data-fill` value of a button that fills the card form with a whole set of test values. */
export function testValuesFill(kind: TestCardKind): string {
  const v = SANDBOX_TEST_VALUES;
  return JSON.stringify({
    card_number: kind === 'CREDIT_CARD' ? SANDBOX_TEST_CARDS[0]!.credit : SANDBOX_TEST_CARDS[0]!.debit,
    ...(kind === 'CREDIT_CARD' ? { valid_date: v.validDate, cvv2: v.cvv2 } : {}),
    holder_name: v.holderName,
    citizen_id: v.citizenId,
    phone: v.phone,
  });
}

/** Fills the fields a `data-fill` button names (JSON: field id -> value), then focuses what is left to do. */
export const FILL_SCRIPT = `document.querySelectorAll('[data-fill]').forEach(function(b){
b.addEventListener('click',function(){var v=JSON.parse(b.getAttribute('data-fill')),f;
Object.keys(v).forEach(function(k){var i=document.getElementById(k);if(i){i.value=v[k];f=i.form;}});
if(!f)return;var e=[].filter.call(f.querySelectorAll('input[required]'),function(i){return !i.value;})[0];
(e||f.querySelector('button[type=submit]')).focus();});});`;

function last4Label(lang: Lang, card: TestCard): string {
  return card.label ? t(lang, card.label) : card.last4;
}

/**
 * The test values. `kind`: the checkout's card form of that kind (one column of numbers, each with a
 * button that puts it in the form); without it, both kinds side by side (the start page).
 */
export function sandboxTestValues(
  lang: Lang,
  options: { readonly kind?: TestCardKind | undefined; readonly fill?: boolean; readonly phone?: string } = {},
): Raw {
  const { kind, fill = false } = options;
  const v = SANDBOX_TEST_VALUES;
  const number = (n: string) =>
    fill
      ? html`<code>${groupCard(n)}</code>
          <button type="button" class="fill" data-fill="${JSON.stringify({ card_number: n })}">
            ${t(lang, 'useCard')}
          </button>`
      : html`<code>${groupCard(n)}</code>`;
  // Narrow columns (the checkout's, a phone): each outcome under its card numbers.
  const kinds = kind
    ? t(lang, kind === 'CREDIT_CARD' ? 'testCreditCard' : 'testDebitCard')
    : `${t(lang, 'testCreditCard')} · ${t(lang, 'testDebitCard')}`;
  const head = html`<tr>
    <th>${t(lang, 'testLast4')}</th>
    <th>${kinds} · ${t(lang, 'testOutcome')}</th>
  </tr>`;
  const rows = SANDBOX_TEST_CARDS.map(
    (card) =>
      html`<tr data-last4="${card.last4}">
        <td class="last4">${last4Label(lang, card)}</td>
        <td>
          ${
            kind
              ? html`<span class="nowrap">${number(kind === 'CREDIT_CARD' ? card.credit : card.debit)}</span>`
              : html`<span class="nowrap">${number(card.credit)}</span>
                  <span class="nowrap">${number(card.debit)}</span>`
          }
          <div class="outcome">${t(lang, card.outcome)}</div>
        </td>
      </tr>`,
  );
  const inbox = `GET /sandbox/sms?phone=${options.phone ?? v.phone}`;
  return html`<p>${t(lang, 'sandboxHelpIntro')}</p>
    <div class="scroll">
      <table class="testcards" data-testid="test-cards">
        ${head}${rows}
      </table>
    </div>
    <ul class="testvalues">
      <li>${t(lang, 'testCardKinds')}</li>
      <li>${t(lang, 'testExpiry', { date: v.validDate, cvv2: v.cvv2 })}</li>
      <li data-testid="test-citizen-id">${t(lang, 'testCitizenId', { id: v.citizenId })}</li>
      <li data-testid="test-phone">${t(lang, 'testPhone', { phone: v.phone })}</li>
      <li data-testid="test-sms">
        ${t(lang, kind ? 'testSmsCode' : 'testSmsCodeHome')}
        <code>${inbox}</code>${lang === 'zh' ? '。' : '. '}${t(lang, 'testSmsRules')}
      </li>
    </ul>`;
}
