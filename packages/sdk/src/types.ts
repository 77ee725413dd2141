// Wire types of the UMF REST API (snake_case, exactly as on the wire) plus the SDK's own camelCase inputs.
//
// Amounts and quantities are DECIMAL STRINGS ("100.02", "2"), never JavaScript numbers: floating point
// cannot represent most money amounts exactly.

/** A decimal amount as a string, e.g. "100.02". At most two decimal places. */
export type DecimalString = string;

/** Open string enums: the known values are suggested by the editor, other strings are still accepted. */
type OpenEnum<T extends string> = T | (string & {});

export type CardType = 'CREDIT_CARD' | 'DEBIT_CARD';

export type PaymentMethod = OpenEnum<
  | 'CREDIT_CARD'
  | 'DEBIT_CARD'
  | 'WECHAT_SCAN'
  | 'ALIPAY_SCAN'
  | 'B2B_ONLINE_BANKING'
  | 'B2C_ONLINE_BANKING'
  | 'WECHAT_IN_APP'
  | 'WECHAT_WEB'
  | 'NOT_APPLICABLE'
>;

export type InterfaceType = OpenEnum<'SERVER_TO_SERVER' | 'SERVER_TO_WEB' | 'SERVER_TO_H5WEB' | 'DIRECT_TO_BANK'>;

export type BusinessType = OpenEnum<'B2C' | 'B2B'>;

export type PaymentState = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_CANCEL' | 'TRADE_FAIL';

/** States after which a payment no longer changes. */
export const FINAL_PAYMENT_STATES: readonly PaymentState[] = Object.freeze([
  'TRADE_SUCCESS',
  'TRADE_CLOSED',
  'TRADE_CANCEL',
  'TRADE_FAIL',
]);

export type ItemType = OpenEnum<'CLOTHING' | 'FOOD' | 'ELECTRONIC' | 'ELECTRONICS' | 'OTHER'>;

export type CitizenIdType = OpenEnum<'IDENTITY_CARD'>;

export interface Amount {
  /** Decimal string, e.g. "100.02". */
  total: DecimalString;
  /** ISO 4217 code, e.g. "USD". */
  currency: string;
}

export interface ExchangeRate {
  currency: string;
  /** Decimal string: CNY per one unit of `currency`. */
  rate: DecimalString;
}

/** An amount as returned by the platform (with the locked CNY amount and rate). */
export interface AmountResult extends Amount {
  total_cny?: DecimalString;
  exchange_rate?: ExchangeRate;
}

export interface Item {
  mer_item_id: string;
  type: ItemType;
  name: string;
  description?: string;
  /** Integer as a string, e.g. "2". */
  quantity: string;
  amount: Amount;
}

export interface SubOrder {
  mer_sub_reference_id: string;
  amount: Amount;
  order_summary?: string;
  /** Transaction code of the goods, e.g. "01121990". */
  trans_code: string;
  is_customs?: 'TRUE' | 'FALSE';
  invoice_id?: string;
  items?: Item[];
}

export interface Order {
  mer_reference_id: string;
  /** Merchant order date, YYYYMMDD. */
  mer_date: string;
  amount: Amount;
  order_summary: string;
  /** Minutes ("360") or an ISO 8601 date-time. */
  expire_time?: string;
  user_ip?: string;
  sub_orders: SubOrder[];
}

export interface OrderResult extends Omit<Order, 'amount' | 'sub_orders' | 'order_summary'> {
  amount: AmountResult;
  order_summary?: string;
  sub_orders?: SubOrder[];
}

export interface PayerAgreementRef {
  usr_busi_agreement_id: string;
  usr_pay_agreement_id: string;
}

export interface PayerAgreement extends PayerAgreementRef {
  gate_id?: string;
  last_four_cardid?: string;
}

/**
 * Bank card fields for `payments.create` in WIRE shape but PLAINTEXT: the SDK encrypts `number`,
 * `valid_date`, `cvv2`, `payer_name` and `citizen_id_number` with the platform certificate before sending.
 * Never pass already encrypted values.
 */
export interface BankCardInput {
  number?: string;
  valid_date?: string;
  cvv2?: string;
  payer_name?: string;
  citizen_id_type?: CitizenIdType;
  citizen_id_number?: string;
  /** Sent in clear. */
  phone?: string;
}

export interface PayerInfoInput {
  /** Payer's phone number, sent in clear. */
  phone?: string;
  /** Payer's name, PLAINTEXT: the SDK encrypts it. */
  name?: string;
  bank_card?: BankCardInput;
  payer_agreement?: PayerAgreementRef;
}

export interface PayerInput {
  payment_method: PaymentMethod;
  /** Defaults to "SERVER_TO_SERVER". */
  interface_type?: InterfaceType;
  /** Defaults to "B2C". */
  business_type?: BusinessType;
  bank_code?: string;
  payer_info?: PayerInfoInput;
}

export interface RiskInfo {
  trans_type?: string;
  goods_type?: string;
  real_name?: string;
  business_type?: string;
  receiver_name?: string;
  receiver_moblie_id?: string;
  receiver_address?: string;
  registration_identify_code?: string;
  registration_email?: string;
  registration_moblie_id?: string;
  device_id?: string;
  device_type?: string;
  user_id?: string;
  registration_time?: string;
  user_agent?: string;
  success_transactions_number?: string;
}

export interface CreatePaymentParams {
  payer: PayerInput;
  order: Order;
  notify_url: string;
  ret_url?: string;
  risk_info?: RiskInfo;
}

export interface Link {
  ref?: string;
  rel?: string;
  method?: string;
  href: string;
}

export interface PayerInfoResult {
  phone?: string;
  payer_agreement?: PayerAgreement;
  [key: string]: unknown;
}

export interface PayerResult {
  payment_method?: PaymentMethod;
  interface_type?: InterfaceType;
  business_type?: BusinessType;
  bank_code?: string;
  payer_info?: PayerInfoResult;
}

export interface Payment {
  id: string;
  state: PaymentState;
  payer?: PayerResult;
  order: OrderResult;
  notify_url?: string;
  ret_url?: string;
  execute_success_time?: string;
  settle_date?: string;
  error?: { ret_code: string; ret_msg: string };
  links?: Link[];
}

export interface ResponseMeta {
  ret_code: string;
  ret_msg: string;
  sign?: string;
  [key: string]: unknown;
}

/** What `payments.create|verifyCard|verifyAgreement|execute|get` resolve to. */
export interface PaymentResponse {
  payment: Payment;
  /** The response's top-level HATEOAS links (self first), or `payment.links` when there are none. */
  links: Link[];
  meta: ResponseMeta;
}

export interface Bank {
  name: string;
  name_zh?: string;
  code: string;
  logo_url?: string;
  types: CardType[];
  is_support?: string | boolean;
}

export interface Refund {
  id: string;
  state: string;
  parent_payment?: string;
  [key: string]: unknown;
}

export interface CustomsDeclaration {
  id: string;
  state: string;
  [key: string]: unknown;
}

/** Plaintext card data for `payments.verifyCard`; the SDK encrypts the sensitive fields. */
export interface CardDetails {
  number: string;
  /** Card expiry, required for credit cards: YYMM as UnionPay writes it ("3012" = December 2030). */
  validDate?: string;
  /** CVV2 (credit cards). */
  cvv2?: string;
  /** Card holder's name. */
  holderName: string;
  /** Defaults to "IDENTITY_CARD". */
  citizenIdType?: CitizenIdType;
  citizenIdNumber: string;
  /** Phone registered with the card issuer; sent in clear. */
  phone: string;
}

export interface VerifyCardParams {
  card: CardDetails;
}

export interface VerifyAgreementParams {
  usrBusiAgreementId: string;
  usrPayAgreementId: string;
  phone?: string;
}

/** Per-call options. */
export interface RequestOptions {
  /** Idempotency-Key for a POST. Default: a random UUID, reused on every retry of the same call. */
  idempotencyKey?: string;
  /** Cancels the call (and its retries). */
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for each attempt of this call. */
  timeoutMs?: number;
  /** Overrides the client's `maxRetries` for this call. */
  maxRetries?: number;
}

export interface WaitForOptions {
  /** Give up after this long (default 60 000 ms). */
  timeoutMs?: number;
  /** Poll interval (default 1 000 ms). */
  intervalMs?: number;
  signal?: AbortSignal;
}
