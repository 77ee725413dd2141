export { UmfClient } from './client.ts';
export type { UmfClientOptions } from './client.ts';

export {
  UmfError,
  UmfAuthenticationError,
  UmfSignatureError,
  UmfInvalidRequestError,
  UmfNotFoundError,
  UmfBaseUrlError,
  UmfConflictError,
  UmfCardError,
  UmfVerificationCodeError,
  UmfPaymentStateError,
  UmfRateLimitError,
  UmfApiError,
  UmfConnectionError,
  UmfSignatureVerificationError,
  UmfWaitTimeoutError,
  UmfEnterpriseNotEnabledError,
  UmfEnterpriseRejectedError,
  UmfDocumentUploadError,
  RetCodes,
  errorFromResponse,
} from './errors.ts';
export type { UmfErrorOptions, ResponseErrorInput } from './errors.ts';

export {
  signBytes,
  verifyBytes,
  extractSignedParts,
  extractSignedText,
  readMeta,
  verifyResponseBody,
  buildSignedResponseBody,
} from './signing.ts';
export type { SignedParts, VerifiedResponse } from './signing.ts';

export { loadPrivateKey, loadPublicKey } from './keys.ts';
export type { PrivateKeyInput, CertificateInput } from './keys.ts';

export { encryptField, encryptPayerInfo, encryptCard, SENSITIVE_FIELDS, ENCRYPTION_MODES } from './encryption.ts';
export type { EncryptionMode } from './encryption.ts';

export { DEFAULT_RETRY_POLICY, backoffDelay, parseRetryAfter, isRetryable, withRetries } from './retry.ts';
export type { RetryPolicy, RetryContext } from './retry.ts';

export { verifyNotification, notificationReply, signTestNotification } from './notifications.ts';
export type {
  UmfNotification,
  VerifyNotificationParams,
  NotificationReply,
  SignTestNotificationParams,
} from './notifications.ts';

export { SignedDownload } from './download.ts';
export { TokenManager } from './tokens.ts';
export type { AccessToken } from './tokens.ts';
export type { FetchLike, SignedResult } from './transport.ts';
export type { PaymentPredicate } from './resources/payments.ts';
export type { Banks } from './resources/banks.ts';
export type { ExchangeRates } from './resources/exchange-rates.ts';
export type { Payments } from './resources/payments.ts';
export type {
  Documents,
  DocumentsFtpOptions,
  DocumentFile,
  DocumentPayment,
  UploadedDocuments,
  UploadOptions,
} from './resources/documents.ts';
export type { Refunds, RefundPredicate } from './resources/refunds.ts';
export type { Customs, CustomsPredicate } from './resources/customs.ts';
export type { Enterprises } from './resources/enterprises.ts';
export type { Transactions } from './resources/transactions.ts';
export type {
  Reconciliation,
  ReconciliationStatement,
  StatementAmount,
  StatementSettlement,
  SettledPaymentSummary,
  SettledRefundSummary,
  StatementItem,
  GetStatementParams,
} from './resources/reconciliation.ts';
export { parseReconciliationLine } from './reconciliation-file.ts';
export type {
  ReconciliationLine,
  ReconciliationItemLine,
  ReconciliationSettlementLine,
} from './reconciliation-file.ts';
export { parseTransactionFile, parseTransactionLine, TransactionFileError } from './transaction-file.ts';
export type { Wechat } from './resources/wechat.ts';

export {
  qrCodeUrl,
  payInfo,
  checkoutUrl,
  payInfoToJsApiParams,
  payInfoToAppPayReq,
  parseOpenIdRedirect,
  openIdLinkState,
  renderQrCode,
} from './wallets.ts';

export { FINAL_PAYMENT_STATES, FINAL_REFUND_STATES, FINAL_CUSTOMS_STATES } from './types.ts';
export type * from './types.ts';

export { formatMerDate } from './dates.ts';
export { SDK_VERSION } from './version.ts';
