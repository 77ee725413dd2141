/**
 * The database schema as Kysely sees it. One schema for SQLite and PostgreSQL; times are epoch
 * milliseconds (bigint columns), money is integer minor units (bigint columns), booleans are 0/1.
 * Integer columns may come back as number, string or bigint depending on the driver: read money
 * through `toMinor()` and times through `Number()`.
 */
import type { ColumnType } from 'kysely';

/** A bigint column: written as number or bigint, read as whatever the driver returns. */
export type Int8 = ColumnType<number | string | bigint, number | bigint, number | bigint>;

export interface PlatformKeysTable {
  id: string;
  private_key_enc: string;
  certificate_pem: string;
  active: number;
  created_at: Int8;
}

export interface MerchantsTable {
  id: string;
  name: string;
  client_id: string;
  client_secret_hash: string;
  encryption: string;
  accepted_currencies: string | null;
  status: string;
  created_at: Int8;
  /** Service fee in basis points of the CNY collected (migration 004; default 100 = 1.00 %). */
  service_fee_bp: ColumnType<number, number | undefined, number>;

  /** The merchant's account on the documents FTP server (migration 009; NULL until one is made). */
  ftp_user: ColumnType<string | null, string | null | undefined, string | null>;
  ftp_password_hash: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface MerchantKeysTable {
  id: string;
  merchant_id: string;
  public_key_pem: string;
  fingerprint: string;
  status: string;
  created_at: Int8;
}

export interface AccessTokensTable {
  merchant_id: string;
  token_hash: string;
  expires_at: Int8;
  created_at: Int8;
}

/** Failures at the token endpoint per source (migration 006; oauth/auth-throttle-repository.ts). */
export interface AuthThrottleTable {
  /** `pair:<address> <client id>` or `address:<address>`. */
  key: string;
  failures: number;
  last_attempt_at: Int8;
  blocked_until: Int8;
}

export interface PaymentsTable {
  id: string;
  merchant_id: string;
  mer_reference_id: string;
  mer_date: string;
  state: string;
  stage: string;
  payment_method: string;
  interface_type: string;
  business_type: string;
  bank_code: string | null;
  currency: string;
  amount_minor: Int8;
  total_cny_minor: Int8;
  exchange_rate: string;
  order_json: string;
  payer_json: string;
  notify_url: string;
  ret_url: string | null;
  expire_at: Int8;
  created_at: Int8;
  updated_at: Int8;
  version: number;
  execute_success_at: Int8 | null;
  settle_date: string | null;
  card_last4: string | null;
  card_fingerprint: string | null;
  agreement_id: string | null;
  phone: string | null;
  sms_sent_count: number;
  sms_last_sent_at: Int8 | null;
  sms_code_hash: string | null;
  sms_code_expires_at: Int8 | null;
  verify_failures: number;
  card_secret_enc: string | null;
  bank_resolve_at: Int8 | null;
  /** Why the payment failed or closed (errors/domain-error.ts Reason); migration 005. */
  failure_reason: string | null;
  /** The refusing party's words, when there are any. */
  failure_detail: string | null;
  channel: string | null;
  wallet_json: string | null;
  /** The WeChat prepay id of a JS-API or in-app payment; migration 005. */
  prepay_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** What the non-failed refunds of this payment take (order currency / CNY fen); migration 003. */
  refunded_minor: ColumnType<number | string | bigint, number | bigint | undefined, number | bigint>;
  refunded_cny_minor: ColumnType<number | string | bigint, number | bigint | undefined, number | bigint>;
  /** The settlement that paid this payment out (NULL until then); migration 004. */
  settlement_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** The service fee taken at settlement, CNY fen. */
  service_fee_minor: ColumnType<
    number | string | bigint | null,
    number | bigint | null | undefined,
    number | bigint | null
  >;
  /** What the payment came to in the order currency at the settlement's exchange (less the fee). */
  settled_minor: ColumnType<
    number | string | bigint | null,
    number | bigint | null | undefined,
    number | bigint | null
  >;
  /** B2B (migration 009): the paying company (enterprises.id). */
  enterprise_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** B2B: NULL for B2C; `held` once paid, then `released` (documents approved) or `returned` (cancelled). */
  funds_state: ColumnType<string | null, string | null | undefined, string | null>;
  /** B2B: the end of the document window of a held payment. */
  funds_due_at: ColumnType<number | string | bigint | null, number | bigint | null | undefined, number | bigint | null>;
  funds_released_at: ColumnType<
    number | string | bigint | null,
    number | bigint | null | undefined,
    number | bigint | null
  >;
  /** B2B: the exchange rate locked when the held CNY was released into settlement. */
  funds_release_rate: ColumnType<string | null, string | null | undefined, string | null>;
  /** B2B (migration 010): when the bank confirmed a cancelled payment's money back to the company. */
  funds_returned_at: ColumnType<
    number | string | bigint | null,
    number | bigint | null | undefined,
    number | bigint | null
  >;
  /** B2B (migration 010): when the return of a cancelled payment's money is tried (again). */
  funds_return_retry_at: ColumnType<
    number | string | bigint | null,
    number | bigint | null | undefined,
    number | bigint | null
  >;
}

export interface PayerAgreementsTable {
  usr_pay_agreement_id: string;
  usr_busi_agreement_id: string;
  merchant_id: string;
  card_fingerprint: string;
  card_last4: string;
  card_type: string;
  gate_id: string;
  phone: string;
  card_enc: string;
  created_at: Int8;
}

export interface PaymentEventsTable {
  id: string;
  payment_id: string;
  at: Int8;
  type: string;
  detail: string | null;
}

export interface OutboxTable {
  id: string;
  merchant_id: string;
  object_type: string;
  object_id: string;
  url: string;
  body: string;
  signature: string;
  state: string;
  attempts: number;
  next_attempt_at: Int8;
  lease_until: Int8 | null;
  lease_owner: string | null;
  created_at: Int8;
  delivered_at: Int8 | null;
  last_error: string | null;
}

export interface NotificationAttemptsTable {
  id: string;
  outbox_id: string;
  attempt: number;
  at: Int8;
  duration_ms: number;
  http_status: number | null;
  outcome: string;
  response_excerpt: string | null;
  error: string | null;
}

export interface IdempotencyKeysTable {
  merchant_id: string;
  idem_key: string;
  request_hash: string;
  state: string;
  http_status: number | null;
  response_body: string | null;
  created_at: Int8;
}

export interface FxRatesTable {
  currency: string;
  rate: string;
  source: string;
  updated_at: Int8;
}

export interface SandboxSmsTable {
  id: string;
  phone: string;
  code: string;
  payment_id: string;
  sent_at: Int8;
}

export interface SandboxBankAccountsTable {
  card_fingerprint: string;
  balance_minor: Int8;
  updated_at: Int8;
}

export interface SandboxBankLedgerTable {
  id: string;
  card_fingerprint: string;
  payment_id: string;
  amount_minor: Int8;
  kind: string;
  at: Int8;
}

export interface WechatOpenIdsTable {
  open_id: string;
  merchant_id: string;
  user_name: string;
  created_at: Int8;
}

/** A balanced journal entry (src/ledger/journal.ts); one per business event (kind, object_id). */
export interface LedgerEntriesTable {
  id: string;
  kind: string;
  object_type: string;
  object_id: string;
  payment_id: string | null;
  merchant_id: string | null;
  memo: string | null;
  created_at: Int8;
}

/** One line of an entry: signed minor units, debit positive; an entry's lines sum to zero per currency. */
export interface LedgerLinesTable {
  entry_id: string;
  line_no: number;
  account: string;
  currency: string;
  amount_minor: Int8;
}

export interface RefundsTable {
  id: string;
  payment_id: string;
  merchant_id: string;
  mer_reference_id: string;
  mer_date: string;
  state: string;
  currency: string;
  amount_minor: Int8;
  cny_minor: Int8;
  exchange_rate: string;
  order_json: string;
  notify_url: string;
  channel: string;
  resolve_at: Int8 | null;
  failure_reason: string | null;
  failure_detail: string | null;
  created_at: Int8;
  updated_at: Int8;
  completed_at: Int8 | null;
  /** The settlement that took this refund off a transfer (NULL until then); migration 004. */
  settlement_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** The refund in the order currency at the settlement's exchange. */
  settled_minor: ColumnType<
    number | string | bigint | null,
    number | bigint | null | undefined,
    number | bigint | null
  >;
}

/** A declaration of one sub-order of a payment to a customs office (reference 3.9-3.10). */
export interface CustomsDeclarationsTable {
  id: string;
  payment_id: string;
  merchant_id: string;
  mer_sub_reference_id: string;
  customs_id: string;
  mer_customs_code: string;
  ec_plat_id: string;
  /** ACCEPTED, SUBMITED, SUCCESS, FAIL */
  state: string;
  /** The declaration as rendered (amounts, sub_order with items), without id/state/links. */
  declaration_json: string;
  notify_url: string;
  /** YYYYMMDD (China time) the declaration was made. */
  customs_clearance_date: string;
  /** When the sandbox customs channel's next step is due. */
  resolve_at: Int8 | null;
  failure_reason: string | null;
  failure_detail: string | null;
  created_at: Int8;
  updated_at: Int8;
  submitted_at: Int8 | null;
  completed_at: Int8 | null;
}

/** The transfer to one merchant for one settle date and order currency. */
export interface SettlementsTable {
  id: string;
  merchant_id: string;
  settle_date: string;
  currency: string;
  cutoff_at: Int8;
  /** CNY per one unit of `currency` at the exchange (the FX feed's rate at the run). */
  exchange_rate: string;
  exchange_date: string;
  payment_count: number;
  refund_count: number;
  gross_cny_minor: Int8;
  refund_cny_minor: Int8;
  fee_minor: Int8;
  net_cny_minor: Int8;
  /** What was transferred, in `currency` minor units. */
  net_minor: Int8;
  created_at: Int8;
}

export interface SettlementRunsTable {
  settle_date: string;
  /** RUNNING, DONE */
  state: string;
  cutoff_at: Int8;
  started_at: Int8;
  finished_at: Int8 | null;
  settlement_count: number;
}

/** A company a merchant registered for B2B payments (reference 4.1; migration 009). */
export interface EnterprisesTable {
  id: string;
  merchant_id: string;
  external_enterprise_id: string;
  enterprise_name: string;
  enterprise_phone: string | null;
  enterprise_email: string | null;
  enterprise_contacts: string | null;
  busi_type: string | null;
  enterprise_code: string | null;
  /** DISABLE | ENABLE */
  status: string;
  /** A | OTHERS | UNKNOWN once approved. */
  rank: string | null;
  review_reason: string | null;
  reviewed_at: Int8 | null;
  created_at: Int8;
  updated_at: Int8;
}

/** An accepted upload of a B2B payment's transaction documents (reference 4.4; migration 009). */
export interface B2bDocumentsTable {
  id: string;
  merchant_id: string;
  payment_id: string;
  file_name: string;
  sequence: number;
  size_bytes: Int8;
  sha256: string;
  /** JSON array of the ZIP's entries ({name, size}). */
  entries_json: string;
  stored_path: string;
  /** pending | approved | rejected | superseded */
  status: string;
  review_reason: string | null;
  reviewed_at: Int8 | null;
  created_at: Int8;
}

/** People who log in to the console (migration 011; console/account-repository.ts). */
export interface ConsoleAccountsTable {
  id: string;
  /** Lower case, unique. */
  email: string;
  /** `operator` or `merchant_user`. */
  kind: string;
  /** An operator's role: admin, reviewer or viewer (NULL for a merchant user). */
  role: string | null;
  /** A merchant user's merchant (NULL for an operator). */
  merchant_id: string | null;
  password_hash: string;
  created_at: Int8;
}

/** Console sessions (migration 011): the SHA-256 of the cookie's id, never the id. */
export interface ConsoleSessionsTable {
  id_hash: string;
  account_id: string;
  csrf_token: string;
  address: string;
  created_at: Int8;
  last_seen_at: Int8;
}

/** The console's audit log (migration 011; console/audit-repository.ts). */
export interface ConsoleAuditTable {
  id: string;
  at: Int8;
  /** The account's email, or what tried (the email typed at a failed login). */
  actor: string;
  action: string;
  subject: string | null;
  /** JSON, never a password. */
  detail: string | null;
  address: string | null;
  /** The merchant the entry concerns, when one does (a merchant user sees only these). */
  merchant_id: string | null;
}

export interface Database {
  platform_keys: PlatformKeysTable;
  merchants: MerchantsTable;
  merchant_keys: MerchantKeysTable;
  access_tokens: AccessTokensTable;
  auth_throttle: AuthThrottleTable;
  payments: PaymentsTable;
  payer_agreements: PayerAgreementsTable;
  payment_events: PaymentEventsTable;
  outbox: OutboxTable;
  notification_attempts: NotificationAttemptsTable;
  idempotency_keys: IdempotencyKeysTable;
  fx_rates: FxRatesTable;
  sandbox_sms: SandboxSmsTable;
  sandbox_bank_accounts: SandboxBankAccountsTable;
  sandbox_bank_ledger: SandboxBankLedgerTable;
  wechat_open_ids: WechatOpenIdsTable;
  ledger_entries: LedgerEntriesTable;
  ledger_lines: LedgerLinesTable;
  refunds: RefundsTable;
  customs_declarations: CustomsDeclarationsTable;
  settlements: SettlementsTable;
  settlement_runs: SettlementRunsTable;
  enterprises: EnterprisesTable;
  b2b_documents: B2bDocumentsTable;
  console_accounts: ConsoleAccountsTable;
  console_sessions: ConsoleSessionsTable;
  console_audit: ConsoleAuditTable;
}

/** Reads a bigint money column whatever the driver returned. */
export function toMinor(value: number | string | bigint): bigint {
  return typeof value === 'bigint' ? value : BigInt(value);
}
