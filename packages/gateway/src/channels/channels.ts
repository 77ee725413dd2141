/**
 * The parties outside the platform, each behind a small interface that speaks in the domain's
 * reasons (errors/domain-error.ts), never in UMF return codes. The sandbox (channels/sandbox/)
 * implements every one of them; a real connector implements the same interface and is handed to
 * the gateway as a `ChannelsFactory` (connectors.ts).
 */
import type { Reason } from '../errors/domain-error.ts';
import type { Currency } from '../money/currencies.ts';

/** The FX rate feed: CNY per one unit of a currency, as a decimal string ("6.9193"). */
export interface FxFeed {
  rate(currency: Currency): Promise<{ rate: string; updatedAt: number } | undefined>;
}

/** The SMS gateway that delivers verification codes to payers' phones. */
export interface SmsGateway {
  /** Sends the code; called after the payment that holds the code's hash has committed. */
  send(message: { phone: string; code: string; paymentId: string; sentAt: number }): Promise<void>;
}

/** Card data as the issuing bank needs it. Only ever in memory, or sealed at rest. */
export interface CardData {
  readonly number: string;
  readonly cardType: 'CREDIT_CARD' | 'DEBIT_CARD';
  readonly validDate?: string | undefined;
  readonly cvv2?: string | undefined;
  readonly holderName?: string | undefined;
  readonly citizenIdNumber?: string | undefined;
  readonly phone: string;
}

/** Why a bank refuses a card or a debit. */
export type CardDecline = Extract<
  Reason,
  'insufficient_funds' | 'card_expired' | 'card_info_incorrect' | 'card_not_supported' | 'payer_declined'
>;

export type CardCheck = { readonly ok: true } | { readonly ok: false; readonly reason: CardDecline };

export type DebitResult =
  | { readonly outcome: 'success' }
  | { readonly outcome: 'declined'; readonly reason: CardDecline }
  /** The bank has not answered yet: ask again with `inquire` at `retryAt`. */
  | { readonly outcome: 'pending'; readonly retryAt: number };

/** What `inquire` may also say: the bank has no debit of this payment (it never received one). */
export type InquiryResult = DebitResult | { readonly outcome: 'unknown' };

/** A party that pays a refund back to the payer (the card bank, a wallet). */
export interface RefundChannel {
  /** Pays a refund back (see RefundRequest): idempotent per refund id. */
  refund(request: RefundRequest): Promise<RefundResult>;
}

/** The card-issuing banks (through their card network). */
export interface CardBank extends RefundChannel {
  /** Checks the card before an SMS code is sent (card number, expiry, holder, phone). */
  checkCard(card: CardData, now: number): Promise<CardCheck>;
  /** Debits `amountFen` CNY for `paymentId`. Idempotent per payment id: never debits twice. */
  debit(request: {
    paymentId: string;
    card: CardData;
    cardFingerprint: string;
    amountFen: bigint;
    now: number;
  }): Promise<DebitResult>;
  /**
   * Asks for the outcome of an earlier debit that was pending or whose answer was lost; `unknown`
   * when the bank never received a debit of this payment (the platform may then debit it).
   */
  inquire(request: {
    paymentId: string;
    cardFingerprint: string;
    last4: string;
    amountFen: bigint;
    now: number;
  }): Promise<InquiryResult>;
}

/**
 * A refund sent back through the channel the payer paid with. The same call submits the refund and,
 * while the answer is `pending`, asks for its outcome again at `retryAt`: it is idempotent per
 * `refundId` (a refund is never paid out twice).
 */
export interface RefundRequest {
  readonly refundId: string;
  readonly paymentId: string;
  /** How the payer paid: CREDIT_CARD, DEBIT_CARD, WECHAT_SCAN, ALIPAY_SCAN, WECHAT_WEB, WECHAT_IN_APP. */
  readonly method: string;
  /** The card of a card payment. */
  readonly cardFingerprint?: string | undefined;
  /** CNY fen back to the payer. */
  readonly amountFen: bigint;
  /** The refund in the order currency, as the merchant asked for it. */
  readonly amountMinor: bigint;
  readonly currency: Currency;
  /** When the refund was accepted. */
  readonly requestedAt: number;
  readonly now: number;
}

export type RefundResult =
  | { readonly outcome: 'success' }
  | { readonly outcome: 'failed'; readonly reason: Extract<Reason, 'refund_refused'> }
  /** No answer yet: ask again at `retryAt`. */
  | { readonly outcome: 'pending'; readonly retryAt: number };

export type WalletProvider = 'WECHAT' | 'ALIPAY';

/** WeChat Pay's pay_info (reference `pay_info` object) for the JS-API or the native APP SDK. */
export type { PayInfo as WalletPayInfo } from './wechat-pay-sign.ts';
import type { PayInfo as WalletPayInfo } from './wechat-pay-sign.ts';

/** The wallets (WeChat Pay, Alipay): where a payer pays a QR code, a JS-API or an in-app order. */
export interface WalletChannel extends RefundChannel {
  /** The URL the payer's wallet opens when it scans the payment's QR code. */
  qrCodeUrl(paymentId: string, provider: WalletProvider): string;
  /** A WeChat prepay order: pay_info for the JS-API (with the payer's open_id) or the APP SDK. */
  prepay(request: { paymentId: string; kind: 'JSAPI' | 'APP'; openId?: string; now: number }): {
    prepayId: string;
    payInfo: WalletPayInfo;
  };
  /** Checks a pay_info's signature as the WeChat client does before paying. */
  payInfoValid(info: WalletPayInfo): boolean;
  /** The official-account authorisation link for open_id (WeChat OAuth snsapi_base). */
  openIdAuthorizeUrl(state: string, redirectUri: string): string;
}

/**
 * A customs declaration as the customs office's platform receives it (reference 3.9): the payment's
 * sub-order, its items and its amounts in CNY fen, for the merchant registered with the office as
 * `merCustomsCode` on the e-commerce platform `ecPlatId`.
 */
export interface CustomsSubmission {
  readonly declarationId: string;
  readonly paymentId: string;
  /** The office (reference/customs-offices.ts), e.g. "NB". */
  readonly customsId: string;
  readonly merCustomsCode: string;
  readonly ecPlatId: string;
  readonly merSubReferenceId: string;
  readonly itemIds: readonly string[];
  readonly subOrderFen: bigint;
  readonly freightFen: bigint;
  readonly taxFen: bigint;
  /** When the gateway accepted the declaration. */
  readonly acceptedAt: number;
  readonly now: number;
}

export type CustomsSubmitResult =
  /** Handed to the office; its answer is expected from `answerAt`. */
  | { readonly outcome: 'submitted'; readonly answerAt: number }
  /** Not handed over yet: try again at `retryAt`. */
  | { readonly outcome: 'pending'; readonly retryAt: number };

export type CustomsAnswer =
  | { readonly outcome: 'success' }
  /** Refused by the office, in its own `words`. */
  | { readonly outcome: 'failed'; readonly reason: Extract<Reason, 'customs_rejected'>; readonly words: string }
  /** No answer yet: ask again at `retryAt`. */
  | { readonly outcome: 'pending'; readonly retryAt: number };

/**
 * The customs offices' platforms. Both calls are idempotent per `declarationId` (several gateway
 * processes may ask about the same declaration): a declaration is handed over once, and asking
 * again gives the same answer.
 */
export interface CustomsChannel {
  submit(declaration: CustomsSubmission): Promise<CustomsSubmitResult>;
  inquire(declaration: CustomsSubmission & { readonly submittedAt: number }): Promise<CustomsAnswer>;
}

/** Online banking: a company's corporate account (B2B) or a person's own account (B2C). */
export type OnlineBankingKind = 'B2B' | 'B2C';

/** What the bank's page needs to open a payment for the payer. */
export interface OnlineBankingOrder {
  readonly paymentId: string;
  /** The bank (reference/banks.ts ONLINE_BANKING_BANKS), e.g. "CCB". */
  readonly bankCode: string;
  readonly kind: OnlineBankingKind;
}

/** The bank's word about a payment the payer made (or gave up) in its online banking. */
export type OnlineBankingResult =
  | {
      readonly paymentId: string;
      readonly outcome: 'success';
      readonly bankCode: string;
      /** CNY fen taken from the payer's account. */
      readonly amountFen: bigint;
      readonly at: number;
    }
  | {
      readonly paymentId: string;
      readonly outcome: 'failed';
      readonly bankCode: string;
      readonly reason: Extract<Reason, 'payer_declined' | 'insufficient_funds'>;
      readonly at: number;
    };

/** Money of a paid payment going back to the account it came from (a cancelled B2B payment). */
export interface FundsReturn {
  /** Idempotent per id: the money goes back once. */
  readonly returnId: string;
  readonly paymentId: string;
  readonly amountFen: bigint;
  readonly now: number;
}

export type FundsReturnResult =
  { readonly outcome: 'success' } | { readonly outcome: 'pending'; readonly retryAt: number };

/**
 * The banks' online banking (corporate for B2B, personal for B2C_ONLINE_BANKING): the page the payer
 * pays on, the bank's asynchronous result of each payment, money back to the payer's account (a
 * refund, or the return of a cancelled B2B payment).
 */
export interface CorporateBank extends RefundChannel {
  /** The bank's online-banking page for this payment (the payment's `upay` link, the checkout's bank buttons). */
  paymentPageUrl(order: OnlineBankingOrder): string;
  /**
   * Registers the platform's receiver of the banks' asynchronous results (once, by the composition
   * root). The bank delivers each result at least once; the receiver is idempotent per payment.
   */
  onResult(receiver: (result: OnlineBankingResult) => Promise<void>): void;
  /** Returns a paid payment's CNY to the payer's account (see FundsReturn). */
  returnFunds(request: FundsReturn): Promise<FundsReturnResult>;
}

export interface Channels {
  readonly fx: FxFeed;
  readonly sms: SmsGateway;
  readonly cardBank: CardBank;
  readonly wallet: WalletChannel;
  readonly customs: CustomsChannel;
  readonly corporateBank: CorporateBank;
}
