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

export type InterfaceType = OpenEnum<
  'SERVER_TO_SERVER' | 'SERVER_TO_WEB' | 'SERVER_TO_H5WEB' | 'DIRECT_TO_BANK' | 'CHECKOUT_COUNTER_WEB'
>;

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

/** An item as the platform echoes it: the platform accepts items without id, type or name. */
export interface ItemResult extends Partial<Pick<Item, 'mer_item_id' | 'type' | 'name'>> {
  description?: string;
  quantity: string;
  amount: Amount;
}

/** A sub-order as the platform echoes it: the platform accepts sub-orders without their own id. */
export interface SubOrderResult extends Omit<SubOrder, 'mer_sub_reference_id' | 'items'> {
  mer_sub_reference_id?: string;
  items?: ItemResult[];
}

export interface OrderResult extends Omit<Order, 'amount' | 'sub_orders' | 'order_summary'> {
  amount: AmountResult;
  order_summary?: string;
  sub_orders?: SubOrderResult[];
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
  /** B2B (the reference 4.3 sample): the company, by the merchant's own id of it. Sent in clear. */
  external_customer_id?: string;
}

/** The payer's citizen id for a wallet payment, PLAINTEXT: the SDK encrypts `citizen_id_number`. */
export interface CitizenIdInput {
  citizen_id_type?: CitizenIdType;
  citizen_id_number?: string;
}

/** `payer_info.qr_code_scan` (WECHAT_SCAN, ALIPAY_SCAN). The platform answers with `qr_code_url`. */
export type QrCodeScanInput = CitizenIdInput;

/** `payer_info.wechat_in_app` (WECHAT_IN_APP). The platform answers with `pay_info` for the native SDK. */
export type WechatInAppInput = CitizenIdInput;

/** `payer_info.wechat_in_app_web` (WECHAT_WEB). The platform answers with `pay_info` for the JS-API. */
export interface WechatInAppWebInput extends CitizenIdInput {
  /** The payer's open_id for the platform's official account: see `client.wechat.openIdLink`. Sent in clear. */
  open_id: string;
}

export interface PayerInfoInput {
  /** Payer's phone number, sent in clear. */
  phone?: string;
  /** Payer's name, PLAINTEXT: the SDK encrypts it. */
  name?: string;
  bank_card?: BankCardInput;
  payer_agreement?: PayerAgreementRef;
  qr_code_scan?: QrCodeScanInput;
  wechat_in_app?: WechatInAppInput;
  wechat_in_app_web?: WechatInAppWebInput;
}

export interface PayerInput {
  payment_method: PaymentMethod;
  /** Defaults to "SERVER_TO_SERVER" ("DIRECT_TO_BANK" for B2B_ONLINE_BANKING and B2C_ONLINE_BANKING). */
  interface_type?: InterfaceType;
  /** Defaults to "B2C" ("B2B" for B2B_ONLINE_BANKING, and for NOT_APPLICABLE with DIRECT_TO_BANK). */
  business_type?: BusinessType;
  bank_code?: string;
  payer_info?: PayerInfoInput;
  /** B2B: the paying company (objs.md "business elements object"). */
  enterprise_qualification?: EnterpriseRef;
}

/** A registered company, named by the merchant's own id of it or by the platform's `EQ_...` id. */
export type EnterpriseRef =
  { external_enterprise_id: string; id?: never } | { id: string; external_enterprise_id?: never };

/**
 * A company pays from its corporate account in its bank's online banking (reference 4.3): the
 * company must be registered (`POST /enterprise_qualification`) and ENABLE. DIRECT_TO_BANK (default)
 * sends the payer straight to the bank of `bank_code` (the `upay` link); SERVER_TO_WEB (or the
 * reference sample's CHECKOUT_COUNTER_WEB) to the hosted checkout. The paid CNY is held until the
 * transaction documents are approved, then settled (or returned to the company when they are not).
 */
export interface B2bPayerInput extends PayerInput {
  payment_method: 'B2B_ONLINE_BANKING' | 'NOT_APPLICABLE';
  interface_type?: 'DIRECT_TO_BANK' | 'SERVER_TO_WEB' | 'CHECKOUT_COUNTER_WEB';
  business_type?: 'B2B';
  /** The bank whose online banking the company uses (required with DIRECT_TO_BANK), e.g. "CCB". */
  bank_code?: string;
  /** The company: here, or (as the reference sample does) in `payer_info.bank_card.external_customer_id`. */
  enterprise_qualification?: EnterpriseRef;
}

/** A person pays from a personal account in the online banking of `bank_code`. */
export interface PersonalOnlineBankingPayerInput extends PayerInput {
  payment_method: 'B2C_ONLINE_BANKING';
  interface_type?: 'DIRECT_TO_BANK';
  business_type?: 'B2C';
  bank_code: string;
}

/** WeChat Pay or Alipay QR code: the merchant shows `qr_code_url` as a QR code (see `qrCodeUrl`, `renderQrCode`). */
export interface QrPayerInput extends PayerInput {
  payment_method: 'WECHAT_SCAN' | 'ALIPAY_SCAN';
  interface_type?: 'SERVER_TO_SERVER' | 'DIRECT_TO_BANK';
  business_type?: 'B2C';
}

/** WeChat payment inside the WeChat browser (official account, JS-API): needs the payer's open_id. */
export interface WechatWebPayerInput extends PayerInput {
  payment_method: 'WECHAT_WEB';
  interface_type?: 'SERVER_TO_SERVER';
  business_type?: 'B2C';
  payer_info: PayerInfoInput & { wechat_in_app_web: WechatInAppWebInput };
}

/** WeChat payment inside the merchant's native app (WeChat's APP SDK). */
export interface WechatInAppPayerInput extends PayerInput {
  payment_method: 'WECHAT_IN_APP';
  interface_type?: 'SERVER_TO_SERVER';
  business_type?: 'B2C';
}

export type CheckoutInterfaceType = 'SERVER_TO_WEB' | 'SERVER_TO_H5WEB';

/**
 * The platform's hosted checkout (收银台): the payer pays on the page of the `upay` link (see
 * `checkoutUrl`). SERVER_TO_WEB for desktop browsers, SERVER_TO_H5WEB for mobile ones. NOT_APPLICABLE
 * lets the payer choose (card, WeChat Pay or Alipay); a method restricts the page to it.
 */
export interface CheckoutPayerInput extends PayerInput {
  payment_method: 'NOT_APPLICABLE' | 'CREDIT_CARD' | 'DEBIT_CARD' | 'WECHAT_SCAN' | 'ALIPAY_SCAN';
  interface_type: CheckoutInterfaceType;
  business_type?: 'B2C';
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

export interface CreatePaymentParams<P extends PayerInput = PayerInput> {
  payer: P;
  order: Order;
  notify_url: string;
  /** Where the hosted checkout sends the payer when the payment is done (SERVER_TO_WEB / SERVER_TO_H5WEB). */
  ret_url?: string;
  risk_info?: RiskInfo;
}

export interface Link {
  ref?: string;
  rel?: string;
  method?: string;
  href: string;
}

/**
 * WeChat Pay's `pay_info` (reference `pay_info`), signed by the platform. Hand it to WeChat unchanged:
 * `payInfoToJsApiParams` (WECHAT_WEB) or `payInfoToAppPayReq` (WECHAT_IN_APP) rename the fields.
 */
export interface PayInfo {
  /** The platform's official account / app id, e.g. "wx2421b1c4370ec43b". */
  app_id: string;
  /** Seconds since 1970-01-01T00:00:00Z, as a string. */
  time_stamp: string;
  nonce_str: string;
  /** JS-API (WECHAT_WEB): "prepay_id=wx..."; APP (WECHAT_IN_APP): "Sign=WXPay". */
  package: string;
  /** "MD5". */
  sign_type: OpenEnum<'MD5'>;
  pay_sign: string;
  /** WECHAT_IN_APP only: the WeChat Pay merchant number (PayReq.partnerId). */
  partner_id?: string;
  /** WECHAT_IN_APP only: the prepay order (PayReq.prepayId). */
  prepay_id?: string;
}

export interface QrCodeScanResult {
  /** The content of the QR code the payer scans with WeChat or Alipay (an http(s) URL). */
  qr_code_url: string;
}

export interface WechatInAppResult {
  pay_info: PayInfo;
}

export interface WechatInAppWebResult {
  open_id: string;
  pay_info: PayInfo;
}

export interface PayerInfoResult {
  phone?: string;
  payer_agreement?: PayerAgreement;
  bank_card?: { last_four_cardid?: string };
  qr_code_scan?: QrCodeScanResult;
  wechat_in_app?: WechatInAppResult;
  wechat_in_app_web?: WechatInAppWebResult;
  [key: string]: unknown;
}

export interface PayerResult {
  payment_method?: PaymentMethod;
  interface_type?: InterfaceType;
  business_type?: BusinessType;
  bank_code?: string;
  /** B2B: the paying company. */
  enterprise_qualification?: { id: string; external_enterprise_id: string };
  payer_info?: PayerInfoResult;
}

export interface Payment {
  id: string;
  state: PaymentState;
  payer?: PayerResult;
  order: OrderResult;
  notify_url?: string;
  ret_url?: string;
  created_time?: string;
  execute_success_time?: string;
  settle_date?: string;
  mer_check_date?: string;
  /** The method the payer actually used, when it differs from payer.payment_method (hosted checkout). */
  paid_with?: PaymentMethod;
  error?: { ret_code: string; ret_msg: string };
  links?: Link[];
}

/** A payment whose payer_info carries the named result object. */
type PaymentWith<K extends string, V> = Payment & {
  payer: PayerResult & { payer_info: PayerInfoResult & { [P in K]: V } };
};

/** What `payments.create` returns for WECHAT_SCAN / ALIPAY_SCAN (interface SERVER_TO_SERVER or DIRECT_TO_BANK). */
export type QrCodePayment = PaymentWith<'qr_code_scan', QrCodeScanResult>;
/** What `payments.create` returns for WECHAT_WEB: the JS-API pay_info. */
export type WechatWebPayment = PaymentWith<'wechat_in_app_web', WechatInAppWebResult>;
/** What `payments.create` returns for WECHAT_IN_APP: the native SDK's pay_info. */
export type WechatInAppPayment = PaymentWith<'wechat_in_app', WechatInAppResult>;
/** What `payments.create` returns for the hosted checkout: links self, refund, apply_to_customs, upay. */
export type CheckoutPayment = Payment & { links: Link[] };

export interface ResponseMeta {
  ret_code: string;
  ret_msg: string;
  sign?: string;
  [key: string]: unknown;
}

/** What `payments.create|verifyCard|verifyAgreement|execute|get` resolve to. */
export interface PaymentResponse<P extends Payment = Payment> {
  payment: P;
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

export type RefundState = OpenEnum<'REFUND_PROCESS' | 'REFUND_SUCCESS' | 'REFUND_FAIL' | 'REFUND_CLOSE'>;

/** States after which a refund no longer changes. */
export const FINAL_REFUND_STATES: readonly string[] = Object.freeze(['REFUND_SUCCESS', 'REFUND_FAIL', 'REFUND_CLOSE']);

/** An item given back, in the payment's currency. */
export interface RefundItem {
  mer_item_id?: string;
  type?: ItemType;
  name?: string;
  description?: string;
  /** Integer as a string, e.g. "1". */
  quantity?: string;
  amount: Amount;
}

/** A sub-order (of the payment, by `mer_sub_reference_id`) given back. */
export interface RefundSubOrder {
  mer_sub_reference_id?: string;
  trans_code?: string;
  amount: Amount;
  items?: RefundItem[];
}

/**
 * The refund's order. `mer_reference_id` + `mer_date` are YOUR refund number (unique per merchant),
 * not the payment's order number. `amount` is in the payment's currency; with `sub_orders`, it is their
 * sum (and each sub-order the sum of its items).
 */
export interface RefundOrder {
  mer_reference_id: string;
  /** YYYYMMDD. */
  mer_date: string;
  amount: Amount;
  refund_summary?: string;
  sub_orders?: RefundSubOrder[];
}

export interface CreateRefundParams {
  order: RefundOrder;
  /** Where the refund's result is POSTed; the payment's notify_url when omitted. */
  notify_url?: string;
}

export interface RefundOrderResult extends Omit<RefundOrder, 'amount'> {
  /** `total` in the payment's currency; `total_cny` the CNY given back at the payment's locked rate. */
  amount: AmountResult;
}

/** A refund as the platform returns and notifies it (`refund` of reference 3.7-3.8). */
export interface Refund {
  id: string;
  state: RefundState;
  /** The id of the refunded payment. */
  parent_payment?: string;
  order?: RefundOrderResult;
  /** The same order, as the reference's 3.7 sample shows it. */
  orders?: RefundOrderResult[];
  notify_url?: string;
  created_time?: string;
  /** YYYYMMDD (China time) the refund was accepted. */
  settle_date?: string;
  /** When the refund succeeded. */
  execute_success_time?: string;
  /** Why a REFUND_FAIL refund failed. */
  error?: { ret_code: string; ret_msg: string };
  /** `parent_payment`, then `self`. */
  links?: Link[];
  [key: string]: unknown;
}

/** What `refunds.create|get` resolve to. */
export interface RefundResponse {
  refund: Refund;
  /** The response's top-level links (parent_payment, self), or `refund.links`. */
  links: Link[];
  meta: ResponseMeta;
}

// ---- Customs declarations (reference 3.9-3.10) ---------------------------------------------------

/** ACCEPTED -> SUBMITED (spelt as the platform spells it) -> SUCCESS | FAIL. */
export type CustomsState = OpenEnum<'ACCEPTED' | 'SUBMITED' | 'SUCCESS' | 'FAIL'>;

/** States after which a customs declaration no longer changes. */
export const FINAL_CUSTOMS_STATES: readonly string[] = Object.freeze(['SUCCESS', 'FAIL']);

/**
 * An amount declared to customs, in the payment's currency or in CNY. `total_cny` may be left out: a
 * CNY amount's is its total, another currency's is its total at the payment's locked rate.
 */
export interface CustomsAmount {
  /** Decimal string, e.g. "10.00" ("0" for no tax). */
  total: DecimalString;
  currency: string;
  total_cny?: DecimalString;
}

/** The payment's sub-order declared (created with `is_customs: 'TRUE'`) and which of its items. */
export interface CustomsSubOrder {
  mer_sub_reference_id: string;
  /** At least one; each `mer_item_id` an item of the sub-order. */
  items: Array<{ mer_item_id: string }>;
}

export interface DeclareCustomsParams {
  /** The customs office: HZ, NB, GZ, ZZ, CQ, SH, TJ, SZ, XA or FZ. */
  customs_id: string;
  /** Your enterprise's registration code with that customs office. */
  mer_customs_code: string;
  /** The e-commerce platform's account in the customs system. */
  ec_plat_id: string;
  freight_amount: CustomsAmount;
  tax_amount: CustomsAmount;
  sub_order_amount: CustomsAmount;
  sub_order: CustomsSubOrder;
  /** Where the final state (SUCCESS / FAIL) is POSTed; the payment's notify_url when omitted. */
  notify_url?: string;
}

/** A customs declaration as the platform returns and notifies it (objs.md `customs_declaration`). */
export interface CustomsDeclaration {
  id: string;
  state: CustomsState;
  customs_id?: string;
  mer_customs_code?: string;
  ec_plat_id?: string;
  /** Every member a decimal string; `total_cny` always present. */
  freight_amount?: Required<CustomsAmount>;
  tax_amount?: Required<CustomsAmount>;
  sub_order_amount?: Required<CustomsAmount>;
  sub_order?: CustomsSubOrder;
  notify_url?: string;
  /** YYYYMMDD (China time) the declaration was made. */
  customs_clearance_date?: string;
  /** The id of the declared payment. */
  parent_payment?: string;
  created_time?: string;
  submitted_time?: string;
  completed_time?: string;
  /** Why a FAIL declaration failed (`00202018`: the customs office refused it). */
  error?: { ret_code: string; ret_msg: string };
  /** `parent_payment`, then `self`. */
  links?: Link[];
  [key: string]: unknown;
}

/** What `customs.declare|get` resolve to. */
export interface CustomsDeclarationResponse {
  declaration: CustomsDeclaration;
  /** The response's `customs_declarations` array, as the platform sends it (one declaration). */
  declarations: CustomsDeclaration[];
  /** The response's top-level links (parent_payment, self), or `declaration.links`. */
  links: Link[];
  meta: ResponseMeta;
}

// ---- Enterprise qualification (reference 4.1-4.2) ------------------------------------------------

/** DISABLE when registered (and after a rejection), ENABLE once the platform approved the company. */
export type EnterpriseStatus = OpenEnum<'DISABLE' | 'ENABLE'>;
/** The rank the platform gives an approved company. */
export type EnterpriseRank = OpenEnum<'A' | 'OTHERS' | 'UNKNOWN'>;
/** SJHG: the company exchanges money to CNY; GFHG: from CNY. */
export type BusiType = OpenEnum<'SJHG' | 'GFHG'>;

/** A company to register for B2B payments (objs.md `enterprise_qualification`). */
export interface RegisterEnterpriseParams {
  /** The company's id in your system (unique among your companies: 00060781 otherwise). */
  external_enterprise_id: string;
  enterprise_name: string;
  enterprise_phone?: string;
  enterprise_email?: string;
  /** The contact person. */
  enterprise_contacts?: string;
  busi_type?: BusiType;
  /** The unified social credit code (18 characters, check character verified by the platform). */
  enterprise_code?: string;
}

/** A registered company as the platform shows it. */
export interface EnterpriseQualification {
  /** `EQ_...`. */
  id: string;
  external_enterprise_id: string;
  enterprise_name: string;
  enterprise_phone?: string;
  enterprise_email?: string;
  enterprise_contacts?: string;
  busi_type?: BusiType;
  enterprise_code?: string;
  enterprise_status: EnterpriseStatus;
  /** Once ENABLE. */
  rank?: EnterpriseRank;
  /** Why the platform rejected it, while it is DISABLE after a rejection. */
  review_reason?: string;
  created_time?: string;
  /** The last review. */
  reviewed_time?: string;
  [key: string]: unknown;
}

/** What `enterprises.register|get` resolve to. */
export interface EnterpriseResponse {
  enterprise: EnterpriseQualification;
  /** `self`. */
  links: Link[];
  meta: ResponseMeta;
}

export interface EnterpriseWaitForOptions extends WaitForOptions {
  /** The status to wait for (default ENABLE). */
  status?: EnterpriseStatus;
  /**
   * Throw UmfEnterpriseRejectedError when the platform rejects the company while waiting (default
   * true). A rejection from before the wait does not stop it: new papers may be under review.
   */
  stopOnRejection?: boolean;
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

/** `WeixinJSBridge.invoke('getBrandWCPayRequest', params, callback)` parameters (WECHAT_WEB). */
export interface JsApiPayParams {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: string;
  paySign: string;
}

/** The native WeChat SDK's PayReq fields (WECHAT_IN_APP): Android `PayReq`, iOS `PayReq` (`package` = packageValue). */
export interface AppPayReq {
  appId: string;
  partnerId: string;
  prepayId: string;
  packageValue: string;
  nonceStr: string;
  timeStamp: string;
  sign: string;
}

export interface RenderQrCodeOptions {
  /** 'svg' (default): `data:image/svg+xml;base64,...`; 'png': `data:image/png;base64,...`. */
  format?: 'svg' | 'png';
  /**
   * PNG: the largest width up to this (default 256) at which every module is a whole number of pixels
   * (at least 1 pixel per module). SVG: the width and height attributes (default none: it scales).
   */
  width?: number;
  /** Quiet zone around the code, in modules (default 4, what the QR standard asks for). */
  margin?: number;
  /** Error correction (default 'M'). */
  errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H';
}

/** What the WeChat authorisation page sends back to your notify_url. */
export interface OpenIdRedirect {
  /** The payer's open_id for the platform's official account: pass it as `wechat_in_app_web.open_id`. */
  openId: string;
  /** The state of the link from `client.wechat.openIdLink`: compare it with the link's. */
  state: string;
}

// ---- Transactions of a merchant date (reference 3.16 list, 3.11 file) ---------------------------

/** The amount of a payment or refund summary, every member a decimal string. */
export interface SummaryAmount {
  /** In the order currency, with its digits ("100.02", JPY "1000"). */
  total: DecimalString;
  /** CNY, two decimals. */
  total_cny: DecimalString;
  currency: string;
  /** The payment's locked rate: CNY per one unit of `currency`, e.g. "7.1234". */
  exchange_rate: DecimalString;
}

/** A successful payment in a transactions list (objs.md `payment_summary`). */
export interface PaymentSummary {
  payment_id: string;
  /** "" when the payment has no phone number. */
  phone_number: string;
  /** The order's mer_date (YYYYMMDD). */
  order_date: string;
  mer_reference_id: string;
  amount: SummaryAmount;
  settle_date: string;
  execute_success_time: string;
  state: PaymentState;
  /** The UMF product, e.g. "Payment Gateway - Alipay QR code". */
  product_id: string;
  [key: string]: unknown;
}

/** A successful refund in a transactions list (objs.md `refund_summary`). */
export interface RefundSummary {
  refund_id: string;
  payment_id: string;
  phone_number: string;
  amount: SummaryAmount;
  /** YYYYMMDD (China time) the refund was accepted. */
  settle_date: string;
  execute_success_time: string;
  state: RefundState;
  /** Your refund number (the `refundNo` of the transaction file) and its date. */
  mer_reference_id?: string;
  mer_date?: string;
  /** The sub-order refunded, when the refund names exactly one. */
  mer_sub_reference_id?: string;
  [key: string]: unknown;
}

export interface Pagination {
  total_count: number;
  /** Starts at 1. */
  page_number: number;
  page_size: number;
}

/** One page of a merchant date: its payments first, then its refunds. */
export interface TransactionsPage {
  payment_summaries: PaymentSummary[];
  refund_summaries: RefundSummary[];
  pagination: Pagination;
  meta: ResponseMeta;
}

export interface ListTransactionsParams {
  /** The merchant date (YYYYMMDD) of the payments, and of the refund numbers. */
  merDate: string;
  /** Default 1. */
  pageNumber?: number;
  /** Default 500 (the platform's), at most 5000. */
  pageSize?: number;
}

/** What `transactions.listAll` yields: each summary with its kind. */
export type TransactionSummary =
  { kind: 'payment'; summary: PaymentSummary } | { kind: 'refund'; summary: RefundSummary };

/** First line of a transaction file: `TRANSDETAIL-START,<merchant id>,<mer_date>`. */
export interface TransactionFileHeader {
  type: 'header';
  merchantId: string;
  merDate: string;
}

/** A transaction line of the file, fields named as in the reference's 3.11 table. */
export interface TransactionFileLine {
  type: 'transaction';
  /** The payment id, or the refund id for a refund. */
  tradeNo: string;
  /** The payer's phone ("" when none). */
  mobileId: string;
  /** The payment's order number (for a refund: the refunded payment's). */
  orderId: string;
  /** The payment's mer_date (for a refund: the refunded payment's). */
  orderDate: string;
  /** YYYYMMDD, China time of the success. */
  platDate: string;
  /** HHmmss, China time of the success. */
  platTime: string;
  currency: string;
  /** Order-currency amount, two decimals ("1000.00" for JPY 1000). */
  cb_amount: DecimalString;
  /** CNY amount, two decimals. */
  amount: DecimalString;
  exchangeRate: DecimalString;
  /** "0" success (-99 generated, 1 failure, 3 processing, 4 authorisation, -1 reversal). */
  transState: string;
  /** P payment, T refund. */
  transType: 'P' | 'T';
  productId: string;
  /** Your refund number (refunds only; "" for payments). */
  refundNo: string;
  /** Only in a 15-field line (the reference's prose order), the reconciliation date. */
  reconciliationDate?: string;
}

/** Last line: `TRANSDETAIL-End,<merchant id>,<mer_date>,<total>`; total = CNY of P lines - CNY of T lines. */
export interface TransactionFileFooter {
  type: 'footer';
  merchantId: string;
  merDate: string;
  total: DecimalString;
}

export type TransactionFileRecord = TransactionFileHeader | TransactionFileLine | TransactionFileFooter;

/** A whole transaction file, checked (see `parseTransactionFile`). */
export interface TransactionFile {
  header: TransactionFileHeader;
  transactions: TransactionFileLine[];
  footer: TransactionFileFooter;
}
