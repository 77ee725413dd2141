/**
 * In-memory stand-ins for every channel of src/channels/channels.ts, for unit tests of the services:
 * each answers as the test tells it and records what it was asked. No timers, no network: a "later"
 * answer is given when the service asks again (the tests move their clock and run the service's
 * batch step).
 *
 *   const fakes = fakeChannels({ rates: { USD: '6.9193' } });
 *   fakes.cardBank.onDebit(CARD_NUMBER, bankSays.pending(bankSays.ok()));   // pending, then paid
 *   const context = await createContext({ ..., connectors: () => fakes }, store);
 *   ...
 *   fakes.sms.codeFor(paymentId);       // the code the payer's phone received
 *   fakes.cardBank.debits;              // every debit the bank was asked for
 *
 * Answers are scripted per card number (card checks, debits), per object (a pending debit, refund or
 * customs declaration answered later) or per call (`next...`: used first, in order). Every party is
 * idempotent where the interface says it is: once it gave a final answer about a payment, refund or
 * declaration, asking again gives the same answer.
 */
import type {
  CardBank,
  CardCheck,
  CardData,
  CardDecline,
  Channels,
  CorporateBank,
  FundsReturn,
  FundsReturnResult,
  OnlineBankingOrder,
  OnlineBankingResult,
  CustomsAnswer,
  CustomsChannel,
  CustomsSubmission,
  CustomsSubmitResult,
  DebitResult,
  FxFeed,
  RefundChannel,
  RefundRequest,
  RefundResult,
  SmsGateway,
  WalletChannel,
  WalletPayInfo,
  WalletProvider,
} from '../../src/channels/channels.ts';
import type { Currency } from '../../src/money/currencies.ts';

// ---- the FX feed ----------------------------------------------------------------------------------

/** Rates as the test sets them (CNY per one unit, a decimal string); a currency without one has no rate. */
export class FakeFxFeed implements FxFeed {
  /** Every currency asked for, in order. */
  readonly asked: Currency[] = [];
  readonly #rates = new Map<Currency, { rate: string; updatedAt: number }>();

  constructor(rates: Partial<Record<Currency, string>> = {}) {
    for (const [currency, rate] of Object.entries(rates)) this.set(currency as Currency, rate);
  }

  set(currency: Currency, rate: string, updatedAt = 0): void {
    this.#rates.set(currency, { rate, updatedAt });
  }

  remove(currency: Currency): void {
    this.#rates.delete(currency);
  }

  async rate(currency: Currency): Promise<{ rate: string; updatedAt: number } | undefined> {
    this.asked.push(currency);
    const quote = this.#rates.get(currency);
    return quote && { ...quote };
  }
}

// ---- the SMS gateway --------------------------------------------------------------------------------

export interface SentSms {
  readonly phone: string;
  readonly code: string;
  readonly paymentId: string;
  readonly sentAt: number;
}

/** Records every message; the payer's phone, as far as the tests are concerned. */
export class FakeSms implements SmsGateway {
  readonly sent: SentSms[] = [];

  async send(message: SentSms): Promise<void> {
    this.sent.push({ ...message });
  }

  /** The messages about one payment, oldest first. */
  to(paymentId: string): SentSms[] {
    return this.sent.filter((m) => m.paymentId === paymentId);
  }

  /** The code of the latest message about a payment. */
  codeFor(paymentId: string): string {
    const last = this.to(paymentId).at(-1);
    if (!last) throw new Error(`no SMS was sent about ${paymentId}`);
    return last.code;
  }
}

// ---- refunds (the card bank and the wallet both pay refunds back) --------------------------------

export type RefundScript =
  | { readonly kind: 'success' }
  | { readonly kind: 'refused' }
  | { readonly kind: 'pending'; readonly retryAfterMs: number; readonly then: RefundScript | undefined };

export const refundSays = {
  success: (): RefundScript => ({ kind: 'success' }),
  refused: (): RefundScript => ({ kind: 'refused' }),
  /** No answer yet (ask again in `retryAfterMs`); `then` answers the next question, else `answerRefund` does. */
  pending: (then?: RefundScript, retryAfterMs = 60_000): RefundScript => ({ kind: 'pending', retryAfterMs, then }),
};

/** A party that pays refunds back: every refund asked is recorded; answers are scripted. */
class RefundingParty implements RefundChannel {
  /** Every refund request, in order (the same refund appears again each time it is asked about). */
  readonly refunds: RefundRequest[] = [];
  readonly #next: RefundScript[] = [];
  readonly #final = new Map<string, RefundResult>();
  readonly #pending = new Map<string, RefundScript | undefined>();
  #default: RefundScript = refundSays.success();

  /** Answers to the next new refunds, in order (then the default). */
  nextRefund(...scripts: RefundScript[]): void {
    this.#next.push(...scripts);
  }

  /** The answer to new refunds once the `nextRefund` ones are used (default: success). */
  refundByDefault(script: RefundScript): void {
    this.#default = script;
  }

  /** The final answer about a refund that was left pending. */
  answerRefund(refundId: string, script: RefundScript): void {
    this.#pending.set(refundId, script);
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    this.refunds.push({ ...request });
    const known = this.#final.get(request.refundId);
    if (known) return known;
    const script = this.#pending.has(request.refundId)
      ? this.#pending.get(request.refundId)
      : (this.#next.shift() ?? this.#default);
    if (script === undefined || script.kind === 'pending') {
      this.#pending.set(request.refundId, script?.then);
      return { outcome: 'pending', retryAt: request.now + (script?.retryAfterMs ?? 60_000) };
    }
    this.#pending.delete(request.refundId);
    const result: RefundResult =
      script.kind === 'success' ? { outcome: 'success' } : { outcome: 'failed', reason: 'refund_refused' };
    this.#final.set(request.refundId, result);
    return result;
  }
}

// ---- the card bank ------------------------------------------------------------------------------------

export type BankAnswer =
  | { readonly kind: 'ok' }
  | { readonly kind: 'declined'; readonly reason: CardDecline }
  | { readonly kind: 'pending'; readonly retryAfterMs: number; readonly then: BankAnswer | undefined }
  | { readonly kind: 'lost'; readonly then: BankAnswer };

export const bankSays = {
  ok: (): BankAnswer => ({ kind: 'ok' }),
  declined: (reason: CardDecline): BankAnswer => ({ kind: 'declined', reason }),
  /**
   * No answer yet: ask again in `retryAfterMs`. `then` is the answer to the next inquiry; without it
   * the debit stays pending until `answerPending`. (Debits only: a card check always answers.)
   */
  pending: (then?: BankAnswer, retryAfterMs = 30_000): BankAnswer => ({ kind: 'pending', retryAfterMs, then }),
  /**
   * The bank takes the request and decides `then`, but its answer never arrives: the call fails (a
   * network error, a crash). Inquiries afterwards get `then`.
   */
  lost: (then: BankAnswer = { kind: 'ok' }): BankAnswer => ({ kind: 'lost', then }),
};

/** The error of a call whose answer was lost (bankSays.lost). */
export class LostAnswerError extends Error {}

export interface DebitAsked {
  readonly paymentId: string;
  readonly card: CardData;
  readonly cardFingerprint: string;
  readonly amountFen: bigint;
  readonly now: number;
}

export interface InquiryAsked {
  readonly paymentId: string;
  readonly cardFingerprint: string;
  readonly last4: string;
  readonly amountFen: bigint;
  readonly now: number;
}

/** The card-issuing banks: every card answers ok unless the test says otherwise. */
export class FakeCardBank extends RefundingParty implements CardBank {
  readonly checks: CardData[] = [];
  readonly debits: DebitAsked[] = [];
  readonly inquiries: InquiryAsked[] = [];
  readonly #checkByCard = new Map<string, BankAnswer>();
  readonly #debitByCard = new Map<string, BankAnswer>();
  readonly #nextChecks: BankAnswer[] = [];
  readonly #nextDebits: BankAnswer[] = [];
  readonly #answered = new Map<string, DebitResult>();
  readonly #unanswered = new Map<string, BankAnswer | undefined>();

  /** How the bank answers card checks of this card number. */
  onCardCheck(cardNumber: string, answer: BankAnswer): void {
    this.#checkByCard.set(cardNumber, answer);
  }

  /** How the bank answers debits of this card number. */
  onDebit(cardNumber: string, answer: BankAnswer): void {
    this.#debitByCard.set(cardNumber, answer);
  }

  /** Answers to the next card checks, whatever the card, before any per-card answer. */
  nextCardCheck(...answers: BankAnswer[]): void {
    this.#nextChecks.push(...answers);
  }

  /** Answers to the next debits, whatever the card, before any per-card answer. */
  nextDebit(...answers: BankAnswer[]): void {
    this.#nextDebits.push(...answers);
  }

  /** The bank's late answer about a debit it left pending (given at the next inquiry). */
  answerPending(paymentId: string, answer: BankAnswer): void {
    this.#unanswered.set(paymentId, answer);
  }

  async checkCard(card: CardData, _now: number): Promise<CardCheck> {
    this.checks.push({ ...card });
    const answer = this.#nextChecks.shift() ?? this.#checkByCard.get(card.number) ?? bankSays.ok();
    if (answer.kind === 'lost') throw new LostAnswerError('the card check got no answer');
    if (answer.kind === 'pending') throw new Error('a card check always answers: script ok or declined');
    return answer.kind === 'ok' ? { ok: true } : { ok: false, reason: answer.reason };
  }

  async debit(request: DebitAsked): Promise<DebitResult> {
    this.debits.push({ ...request, card: { ...request.card } });
    const known = this.#answered.get(request.paymentId);
    if (known) return known;
    if (this.#unanswered.has(request.paymentId)) return this.#ask(request.paymentId, request.now);
    const answer = this.#nextDebits.shift() ?? this.#debitByCard.get(request.card.number) ?? bankSays.ok();
    return this.#answer(request.paymentId, answer, request.now);
  }

  /** An inquiry about a debit the bank never saw stays pending (the bank has nothing to say yet). */
  async inquire(request: InquiryAsked): Promise<DebitResult> {
    this.inquiries.push({ ...request });
    const known = this.#answered.get(request.paymentId);
    if (known) return known;
    return this.#ask(request.paymentId, request.now);
  }

  #ask(paymentId: string, now: number): DebitResult {
    const answer = this.#unanswered.get(paymentId);
    return answer === undefined ? { outcome: 'pending', retryAt: now + 30_000 } : this.#answer(paymentId, answer, now);
  }

  #answer(paymentId: string, answer: BankAnswer, now: number): DebitResult {
    if (answer.kind === 'lost') {
      this.#answer(paymentId, answer.then, now);
      throw new LostAnswerError(`the answer about the debit of ${paymentId} was lost`);
    }
    if (answer.kind === 'pending') {
      this.#unanswered.set(paymentId, answer.then);
      return { outcome: 'pending', retryAt: now + answer.retryAfterMs };
    }
    this.#unanswered.delete(paymentId);
    const result: DebitResult =
      answer.kind === 'ok' ? { outcome: 'success' } : { outcome: 'declined', reason: answer.reason };
    this.#answered.set(paymentId, result);
    return result;
  }
}

// ---- the wallets --------------------------------------------------------------------------------------

/** WeChat Pay and Alipay: QR URLs and prepay orders on wallet.test, recorded. */
export class FakeWallet extends RefundingParty implements WalletChannel {
  readonly qrCodes: Array<{ readonly paymentId: string; readonly provider: WalletProvider }> = [];
  readonly prepays: Array<{ readonly paymentId: string; readonly kind: 'JSAPI' | 'APP'; readonly prepayId: string }> =
    [];
  readonly #issued = new Set<string>();
  #seq = 0;

  qrCodeUrl(paymentId: string, provider: WalletProvider): string {
    this.qrCodes.push({ paymentId, provider });
    return `https://wallet.test/${provider.toLowerCase()}/${paymentId}`;
  }

  prepay(request: { paymentId: string; kind: 'JSAPI' | 'APP'; openId?: string; now: number }): {
    prepayId: string;
    payInfo: WalletPayInfo;
  } {
    const n = ++this.#seq;
    // The shape of a WeChat prepay id: wx, a yyyyMMddHHmmss stamp, 18 hex digits.
    const prepayId = `wx20260310100000${n.toString(16).padStart(18, '0')}`;
    const paySign = `FAKESIGN${n}`;
    this.#issued.add(paySign);
    this.prepays.push({ paymentId: request.paymentId, kind: request.kind, prepayId });
    return {
      prepayId,
      payInfo: {
        app_id: 'wxfakeapp',
        time_stamp: String(Math.floor(request.now / 1000)),
        nonce_str: `nonce${n}`,
        package: `prepay_id=${prepayId}`,
        sign_type: 'MD5',
        pay_sign: paySign,
      },
    };
  }

  payInfoValid(info: WalletPayInfo): boolean {
    return this.#issued.has(info.pay_sign);
  }

  openIdAuthorizeUrl(state: string, redirectUri: string): string {
    return `https://wallet.test/oauth?${new URLSearchParams({ state, redirect_uri: redirectUri }).toString()}`;
  }
}

// ---- the customs offices ----------------------------------------------------------------------------

export type CustomsSubmitScript =
  | { readonly kind: 'submitted'; readonly answerAfterMs: number }
  | { readonly kind: 'not_yet'; readonly retryAfterMs: number };

export type CustomsAnswerScript =
  | { readonly kind: 'success' }
  | { readonly kind: 'rejected'; readonly words: string }
  | { readonly kind: 'pending'; readonly retryAfterMs: number };

export const customsSays = {
  /** Handed over; the office answers from `answerAfterMs` on. */
  submitted: (answerAfterMs = 10 * 60_000): CustomsSubmitScript => ({ kind: 'submitted', answerAfterMs }),
  /** Not handed over yet: try again in `retryAfterMs`. */
  notYet: (retryAfterMs = 5 * 60_000): CustomsSubmitScript => ({ kind: 'not_yet', retryAfterMs }),
  success: (): CustomsAnswerScript => ({ kind: 'success' }),
  rejected: (words: string): CustomsAnswerScript => ({ kind: 'rejected', words }),
  pending: (retryAfterMs = 10 * 60_000): CustomsAnswerScript => ({ kind: 'pending', retryAfterMs }),
};

/** The customs offices' platforms: hand-overs succeed and answers are pending until the test says. */
export class FakeCustoms implements CustomsChannel {
  readonly submissions: CustomsSubmission[] = [];
  readonly inquiries: Array<CustomsSubmission & { readonly submittedAt: number }> = [];
  readonly #nextSubmits: CustomsSubmitScript[] = [];
  readonly #submitted = new Map<string, CustomsSubmitResult>();
  readonly #answers = new Map<string, CustomsAnswerScript>();
  readonly #final = new Map<string, CustomsAnswer>();
  #defaultAnswer: CustomsAnswerScript = customsSays.pending();

  /** How the next hand-overs go, in order (then: submitted). */
  nextSubmit(...scripts: CustomsSubmitScript[]): void {
    this.#nextSubmits.push(...scripts);
  }

  /** The office's answer about one declaration. */
  answer(declarationId: string, script: CustomsAnswerScript): void {
    this.#answers.set(declarationId, script);
  }

  /** The office's answer about every declaration it has no specific answer for (default: pending). */
  answerByDefault(script: CustomsAnswerScript): void {
    this.#defaultAnswer = script;
  }

  async submit(declaration: CustomsSubmission): Promise<CustomsSubmitResult> {
    this.submissions.push({ ...declaration });
    const known = this.#submitted.get(declaration.declarationId);
    if (known) return known;
    const script = this.#nextSubmits.shift() ?? customsSays.submitted();
    if (script.kind === 'not_yet') return { outcome: 'pending', retryAt: declaration.now + script.retryAfterMs };
    const result: CustomsSubmitResult = { outcome: 'submitted', answerAt: declaration.now + script.answerAfterMs };
    this.#submitted.set(declaration.declarationId, result);
    return result;
  }

  async inquire(declaration: CustomsSubmission & { readonly submittedAt: number }): Promise<CustomsAnswer> {
    this.inquiries.push({ ...declaration });
    const known = this.#final.get(declaration.declarationId);
    if (known) return known;
    const script = this.#answers.get(declaration.declarationId) ?? this.#defaultAnswer;
    if (script.kind === 'pending') return { outcome: 'pending', retryAt: declaration.now + script.retryAfterMs };
    const answer: CustomsAnswer =
      script.kind === 'success'
        ? { outcome: 'success' }
        : { outcome: 'failed', reason: 'customs_rejected', words: script.words };
    this.#final.set(declaration.declarationId, answer);
    return answer;
  }
}

// ---- online banking ---------------------------------------------------------------------------------

/** The banks' online banking: `pay` / `decline` deliver a result as the bank would; returns are recorded. */
export class FakeCorporateBank extends RefundingParty implements CorporateBank {
  readonly returns: FundsReturn[] = [];
  /** Answers to the next returns, in order (then success); an Error is thrown. */
  readonly nextReturns: Array<FundsReturnResult | Error> = [];
  #receiver: ((result: OnlineBankingResult) => Promise<void>) | undefined;

  paymentPageUrl(order: OnlineBankingOrder): string {
    return `https://bank.example/${order.bankCode.toLowerCase()}/${order.paymentId}`;
  }

  onResult(receiver: (result: OnlineBankingResult) => Promise<void>): void {
    this.#receiver = receiver;
  }

  /** The bank tells the platform about a payment (as its asynchronous notification would). */
  async deliver(result: OnlineBankingResult): Promise<void> {
    if (!this.#receiver) throw new Error('no receiver registered');
    await this.#receiver(result);
  }

  async returnFunds(request: FundsReturn): Promise<FundsReturnResult> {
    this.returns.push({ ...request });
    const next = this.nextReturns.shift();
    if (next instanceof Error) throw next;
    return next ?? { outcome: 'success' };
  }
}

// ---- all of them ------------------------------------------------------------------------------------

export interface FakeChannels extends Channels {
  readonly fx: FakeFxFeed;
  readonly sms: FakeSms;
  readonly cardBank: FakeCardBank;
  readonly wallet: FakeWallet;
  readonly customs: FakeCustoms;
  readonly corporateBank: FakeCorporateBank;
}

/** A fresh set of fakes: hand them to createContext as `connectors: () => fakes`. */
export function fakeChannels(options: { rates?: Partial<Record<Currency, string>> } = {}): FakeChannels {
  return {
    fx: new FakeFxFeed(options.rates ?? {}),
    sms: new FakeSms(),
    cardBank: new FakeCardBank(),
    wallet: new FakeWallet(),
    customs: new FakeCustoms(),
    corporateBank: new FakeCorporateBank(),
  };
}
