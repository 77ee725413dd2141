/**
 * Console accounts: operators (admin, reviewer, viewer) and merchant users (read-only, one
 * merchant). What each may do is decided in one place: `can` (console-access.ts uses it for every
 * page and action).
 */
export const OPERATOR_ROLES = ['admin', 'reviewer', 'viewer'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

export type ConsoleAccount =
  | {
      readonly kind: 'operator';
      readonly id: string;
      readonly email: string;
      readonly role: OperatorRole;
      readonly createdAt: number;
    }
  | {
      readonly kind: 'merchant_user';
      readonly id: string;
      readonly email: string;
      readonly merchantId: string;
      readonly createdAt: number;
    };

/**
 * What a console page or action needs:
 * - `view`: read pages (everyone; a merchant user only its own merchant's data);
 * - `operator-pages`: pages about the whole platform (the audit log, other merchants);
 * - `review`: approve or reject enterprises and documents, redeliver notifications (admin, reviewer);
 * - `admin`: keys, secrets, rates, settlement runs, merchants (admin).
 */
export type Permission = 'view' | 'operator-pages' | 'review' | 'admin';

export function can(account: ConsoleAccount, permission: Permission): boolean {
  if (permission === 'view') return true;
  if (account.kind !== 'operator') return false;
  switch (permission) {
    case 'operator-pages':
      return true;
    case 'review':
      return account.role === 'admin' || account.role === 'reviewer';
    case 'admin':
      return account.role === 'admin';
  }
}

/** The merchant whose data an account is limited to (undefined: every merchant). */
export function merchantScopeOf(account: ConsoleAccount): string | undefined {
  return account.kind === 'merchant_user' ? account.merchantId : undefined;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A plausible email address (one @, something on both sides, a dot in the domain, no spaces). */
export function isEmail(email: string): boolean {
  return email.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email);
}
