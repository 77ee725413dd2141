/**
 * Console accounts and their sessions.
 *
 * - Accounts: `createOperator` (admin, reviewer, viewer) and `addMerchantUser` (read-only, one
 *   merchant), passwords hashed by password-hash.ts (scrypt).
 * - Login: throttled per account (the email typed) and per address, with the doubling wait of the
 *   token endpoint (oauth/auth-throttle-repository.ts, the same table, keys `console-account:` and
 *   `console-address:`): ACCOUNT_RULE.freeFailures wrong passwords for one account, then it waits
 *   1 s, 2 s, 4 s... (at most 15 min) whatever the address; ADDRESS_RULE the same over every account
 *   of one address. Each attempt is counted before its password is checked (a burst gets at most
 *   the free failures checked); a success takes its count back. An unknown email costs the same
 *   scrypt as a wrong password and answers the same.
 * - Sessions: a random 32-byte id in the cookie, stored as its SHA-256; idle expiry IDLE_MS (the
 *   session is touched at most every TOUCH_EVERY_MS), absolute expiry ABSOLUTE_MS from the login;
 *   a per-session CSRF token. Logout ends one session, `logoutEverywhere` all of the account's.
 * - Audit: login, failed login (the email typed, never the password), logout and logout everywhere
 *   are recorded in the transaction that makes them.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Store } from '../store/database.ts';
import type { Clock } from '../time/clock.ts';
import { isUniqueViolation } from '../store/unique-violation.ts';
import { newId } from '../store/ids.ts';
import type { MerchantRepository } from '../merchants/merchant-repository.ts';
import { AuthThrottleRepository, type ThrottleRule } from '../oauth/auth-throttle-repository.ts';
import { isEmail, normaliseEmail, type ConsoleAccount, type OperatorRole } from './account-record.ts';
import type { AccountRepository } from './account-repository.ts';
import type { SessionLimits, SessionRepository } from './session-repository.ts';
import type { AuditService } from './audit-service.ts';
import { MAX_PASSWORD_LENGTH, hashPassword, passwordProblem, verifyPassword } from './password-hash.ts';

export const IDLE_MS = 30 * 60_000;
export const ABSOLUTE_MS = 12 * 3600_000;
export const SESSION_LIMITS: SessionLimits = { idleMs: IDLE_MS, absoluteMs: ABSOLUTE_MS };
/** A session is written back (last seen) at most this often. */
export const TOUCH_EVERY_MS = 15_000;

/** One account, from any address. */
export const ACCOUNT_RULE: ThrottleRule = {
  freeFailures: 5,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
  quietResetMs: 60 * 60_000,
};
/** One address, over every account (a team behind one NAT shares it). */
export const ADDRESS_RULE: ThrottleRule = {
  freeFailures: 20,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
  quietResetMs: 60 * 60_000,
};

/** Why an account cannot be made (the CLI says it as it is). */
export class AccountError extends Error {
  override name = 'AccountError';
}

export type LoginResult =
  | { readonly ok: true; readonly sessionId: string; readonly csrfToken: string; readonly account: ConsoleAccount }
  | { readonly ok: false; readonly reason: 'invalid' }
  | { readonly ok: false; readonly reason: 'throttled'; readonly retryAfterMs: number };

export interface LiveSession {
  readonly idHash: string;
  readonly account: ConsoleAccount;
  readonly csrfToken: string;
  readonly createdAt: number;
}

export interface ConsoleAccountServiceDeps {
  readonly store: Store;
  readonly accounts: AccountRepository;
  readonly sessions: SessionRepository;
  readonly merchants: MerchantRepository;
  readonly audit: AuditService;
  readonly clock: Clock;
  readonly throttle?: AuthThrottleRepository;
}

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** Costs what checking a real hash costs, for unknown emails. */
let dummyHash: Promise<string> | undefined;

export class ConsoleAccountService {
  readonly #deps: ConsoleAccountServiceDeps;
  readonly #throttle: AuthThrottleRepository;
  constructor(deps: ConsoleAccountServiceDeps) {
    this.#deps = deps;
    this.#throttle = deps.throttle ?? new AuthThrottleRepository();
  }

  async createOperator(input: { email: string; role: OperatorRole; password: string }): Promise<ConsoleAccount> {
    const email = this.#checkedEmail(input.email);
    const account: ConsoleAccount = {
      kind: 'operator',
      id: newId('OPR_', this.#deps.clock.now()),
      email,
      role: input.role,
      createdAt: this.#deps.clock.now(),
    };
    await this.#insert(account, input.password, 'operator_created', { role: input.role });
    return account;
  }

  async addMerchantUser(input: { merchantId: string; email: string; password: string }): Promise<ConsoleAccount> {
    const email = this.#checkedEmail(input.email);
    if (!(await this.#deps.merchants.exists(input.merchantId))) {
      throw new AccountError(`no merchant ${input.merchantId} (umf-gateway merchant list shows them)`);
    }
    const account: ConsoleAccount = {
      kind: 'merchant_user',
      id: newId('MUS_', this.#deps.clock.now()),
      email,
      merchantId: input.merchantId,
      createdAt: this.#deps.clock.now(),
    };
    await this.#insert(account, input.password, 'merchant_user_created', { merchant_id: input.merchantId });
    return account;
  }

  #checkedEmail(text: string): string {
    const email = normaliseEmail(text);
    if (!isEmail(email)) throw new AccountError(`not an email address: ${JSON.stringify(text)}`);
    return email;
  }

  async #insert(
    account: ConsoleAccount,
    password: string,
    action: 'operator_created' | 'merchant_user_created',
    detail: Record<string, unknown>,
  ): Promise<void> {
    const problem = passwordProblem(password);
    if (problem) throw new AccountError(problem);
    const hash = await hashPassword(password);
    try {
      await this.#deps.store.write(async (trx) => {
        await this.#deps.accounts.insert(trx, account, hash);
        await this.#deps.audit.record(
          {
            actor: 'cli',
            action,
            subject: account.email,
            detail,
            address: 'local',
            ...(account.kind === 'merchant_user' ? { merchantId: account.merchantId } : {}),
          },
          trx,
        );
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new AccountError(`an account with the email ${account.email} exists already`);
      throw error;
    }
  }

  /** Checks an email and password from `address`; a new session when they are right. */
  async login(emailTyped: string, password: string, address: string): Promise<LoginResult> {
    const { store, accounts, sessions, audit, clock } = this.#deps;
    const throttle = this.#throttle;
    const email = normaliseEmail(emailTyped).slice(0, 254);
    const now = clock.now();
    const accountKey = `console-account:${email}`;
    const addressKey = `console-address:${address}`;
    // Both sources admit the attempt, or neither counts it (a refusal rolls the transaction back).
    try {
      await store.write(async (trx) => {
        for (const [key, rule] of [
          [accountKey, ACCOUNT_RULE],
          [addressKey, ADDRESS_RULE],
        ] as const) {
          const admission = await throttle.admit(trx, key, now, rule);
          if (!admission.admitted) throw new Throttled(admission.blockedUntil);
        }
      });
    } catch (error) {
      if (!(error instanceof Throttled)) throw error;
      return { ok: false, reason: 'throttled', retryAfterMs: Math.max(error.blockedUntil - now, 1000) };
    }
    const found = email === '' ? undefined : await accounts.credentialsOf(email);
    const ok =
      password.length > 0 && password.length <= MAX_PASSWORD_LENGTH && found
        ? await verifyPassword(password, found.passwordHash)
        : await verifyPassword(password.slice(0, MAX_PASSWORD_LENGTH), await this.#dummy()).then(() => false);
    if (!found || !ok) {
      const failedAt = clock.now();
      await store.write(async (trx) => {
        await throttle.failed(trx, accountKey, failedAt, ACCOUNT_RULE);
        await throttle.failed(trx, addressKey, failedAt, ADDRESS_RULE);
        await audit.record(
          {
            actor: email || '(empty)',
            action: 'login_failed',
            detail: { known_account: Boolean(found) },
            address,
            ...(found?.account.kind === 'merchant_user' ? { merchantId: found.account.merchantId } : {}),
          },
          trx,
        );
      });
      return { ok: false, reason: 'invalid' };
    }
    const sessionId = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const { account } = found;
    const loggedInAt = clock.now();
    await store.write(async (trx) => {
      await throttle.forget(trx, accountKey);
      await throttle.succeeded(trx, addressKey, ADDRESS_RULE);
      await sessions.prune(trx, loggedInAt, SESSION_LIMITS);
      await sessions.insert(trx, {
        idHash: hashSessionId(sessionId),
        accountId: account.id,
        csrfToken,
        address,
        now: loggedInAt,
      });
      await audit.record({ actor: account.email, action: 'login', address, ...scopeOf(account) }, trx);
    });
    return { ok: true, sessionId, csrfToken, account };
  }

  async #dummy(): Promise<string> {
    dummyHash ??= hashPassword(randomUUID());
    return dummyHash;
  }

  /** The live session of a cookie's id, touched (idle expiry) at most every TOUCH_EVERY_MS. */
  async session(sessionId: string | undefined): Promise<LiveSession | undefined> {
    if (!sessionId || sessionId.length > 100) return undefined;
    const { store, sessions, clock } = this.#deps;
    const now = clock.now();
    const idHash = hashSessionId(sessionId);
    const row = await sessions.live(idHash, now, SESSION_LIMITS);
    if (!row) return undefined;
    if (now - row.lastSeenAt >= TOUCH_EVERY_MS) await store.write((trx) => sessions.touch(trx, idHash, now));
    return { idHash, account: row.account, csrfToken: row.csrfToken, createdAt: row.createdAt };
  }

  async logout(session: LiveSession, address: string): Promise<void> {
    const { store, sessions, audit } = this.#deps;
    await store.write(async (trx) => {
      await sessions.delete(trx, session.idHash);
      await audit.record({ actor: session.account.email, action: 'logout', address, ...scopeOf(session.account) }, trx);
    });
  }

  /** Ends every session of the account (this one too); how many ended. */
  async logoutEverywhere(session: LiveSession, address: string): Promise<number> {
    const { store, sessions, audit } = this.#deps;
    return store.write(async (trx) => {
      const ended = await sessions.deleteAllOf(trx, session.account.id);
      await audit.record(
        {
          actor: session.account.email,
          action: 'logout_everywhere',
          detail: { sessions: ended },
          address,
          ...scopeOf(session.account),
        },
        trx,
      );
      return ended;
    });
  }

  /** How many live sessions the account has. */
  liveSessions(account: ConsoleAccount): Promise<number> {
    return this.#deps.sessions.countLive(account.id, this.#deps.clock.now(), SESSION_LIMITS);
  }
}

class Throttled extends Error {
  constructor(readonly blockedUntil: number) {
    super('throttled');
  }
}

function scopeOf(account: ConsoleAccount): { merchantId?: string } {
  return account.kind === 'merchant_user' ? { merchantId: account.merchantId } : {};
}
