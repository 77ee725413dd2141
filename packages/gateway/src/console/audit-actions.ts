/**
 * The actions the audit log knows: every console action writes one of these (audit-service.ts).
 * The later pages (approve, reject, redeliver, rates, keys, settlement) have their names here
 * already, so their entries read the same from the first one on.
 */
export const AUDIT_ACTIONS = [
  'login',
  'login_failed',
  'logout',
  'logout_everywhere',
  'operator_created',
  'merchant_user_created',
  'enterprise_approved',
  'enterprise_rejected',
  'document_approved',
  'document_rejected',
  'notification_redelivered',
  'fx_rate_changed',
  'merchant_created',
  'merchant_key_added',
  'merchant_key_revoked',
  'merchant_secret_reset',
  'merchant_settings_changed',
  'ftp_password_reset',
  'settlement_run',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export function isAuditAction(text: string): text is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(text);
}
