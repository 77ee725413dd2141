/**
 * OAuth2 client credentials (reference 2.1): a merchant's client_id and client_secret buy an access
 * token; a new token replaces the merchant's previous one.
 *
 * Wrong secrets are throttled per SOURCE, never per client id alone (auth-throttle-repository.ts):
 * - per (address, client id): PAIR_RULE.freeFailures failures, then the address waits 1 s, 2 s,
 *   4 s... (at most 15 minutes) before it may try that client id again;
 * - per address, over every client id: ADDRESS_RULE (more free failures, the same backoff).
 * A stranger who knows a client id only blocks their own address: the merchant's right secret keeps
 * working from every address that has not failed. There is deliberately no per-client ceiling: a
 * client secret is 160 random bits, so guessing from many addresses at the free rate is hopeless, and
 * any ceiling on the client id alone would be a lockout anyone could trigger again.
 * Each attempt is counted (admitted) in one atomic statement BEFORE its secret is checked, so a burst
 * of parallel guesses gets at most the free failures checked; a success takes its count back and
 * clears its pair.
 *
 * Tokens are random 256-bit values, stored as SHA-256 hashes; `holderOf` is how every API request
 * finds its merchant.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../store/database.ts';
import type { Clock } from '../time/clock.ts';
import { refuse } from '../errors/domain-error.ts';
import type { MerchantRepository } from '../merchants/merchant-repository.ts';
import { verifySecret } from '../merchants/merchant-secrets.ts';
import type { TokenHolder, TokenHolderWithKeys, TokenRepository } from './token-repository.ts';
import { AuthThrottleRepository, type ThrottleRule } from './auth-throttle-repository.ts';

/** A source quiet (and unblocked) for an hour starts again from zero. */
export const QUIET_RESET_MS = 60 * 60_000;
/** The longest wait of a throttled source. */
export const MAX_BLOCK_MS = 15 * 60_000;
/** One address with one client id. */
export const PAIR_RULE: ThrottleRule = {
  freeFailures: 10,
  baseDelayMs: 1000,
  maxDelayMs: MAX_BLOCK_MS,
  quietResetMs: QUIET_RESET_MS,
};
/** One address, every client id (several merchants may share an address behind NAT). */
export const ADDRESS_RULE: ThrottleRule = {
  freeFailures: 100,
  baseDelayMs: 1000,
  maxDelayMs: MAX_BLOCK_MS,
  quietResetMs: QUIET_RESET_MS,
};
/** Rows of quiet sources are deleted at most this often per process. */
const PRUNE_EVERY_MS = 60_000;

/** The address of callers that name none (the CLI, tests of the service). */
export const LOCAL_SOURCE = 'local';

export interface ClientCredentials {
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  readonly grantType: string | undefined;
}

export interface IssuedToken {
  readonly accessToken: string;
  readonly expiresIn: number;
}

export interface OAuthServiceDeps {
  readonly store: Store;
  readonly tokens: TokenRepository;
  /** The throttle's rows (default: a new repository; it holds no state). */
  readonly throttle?: AuthThrottleRepository;
  readonly merchants: MerchantRepository;
  readonly clock: Clock;
  /** Lifetime of a token in seconds. */
  readonly tokenTtlSeconds: number;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class OAuthService {
  readonly #deps: OAuthServiceDeps;
  readonly #throttle: AuthThrottleRepository;
  #prunedAt = 0;
  constructor(deps: OAuthServiceDeps) {
    this.#deps = deps;
    this.#throttle = deps.throttle ?? new AuthThrottleRepository();
  }

  /**
   * A token for the client's credentials, asked for from `source` (the caller's IP address): refused
   * as `too_many_attempts` (with `retryAfterMs`) while that source is throttled.
   */
  async authorize(credentials: ClientCredentials, source: string = LOCAL_SOURCE): Promise<IssuedToken> {
    const { store, tokens, merchants, clock, tokenTtlSeconds } = this.#deps;
    const throttle = this.#throttle;
    const { clientId, clientSecret, grantType } = credentials;
    if (grantType !== 'client_credentials') refuse('unsupported_grant_type');
    if (!clientId || !clientSecret || clientId.length > 128 || clientSecret.length > 256) refuse('invalid_client');
    const now = clock.now();
    const pairKey = `pair:${source} ${clientId}`;
    const addressKey = `address:${source}`;
    // Both sources admit the attempt, or neither counts it (a refusal rolls the transaction back).
    await store.write(async (trx) => {
      for (const [key, rule] of [
        [pairKey, PAIR_RULE],
        [addressKey, ADDRESS_RULE],
      ] as const) {
        const admission = await throttle.admit(trx, key, now, rule);
        if (!admission.admitted) {
          refuse('too_many_attempts', undefined, { retryAfterMs: Math.max(admission.blockedUntil - now, 1) });
        }
      }
    });
    await this.#prune(now);
    const merchant = await merchants.credentialsOf(clientId);
    const ok = merchant ? await verifySecret(clientSecret, merchant.clientSecretHash) : false;
    if (!merchant || !ok) {
      // The attempt stays counted; a block it earned runs from this answer on.
      const failedAt = clock.now();
      await store.write(async (trx) => {
        await throttle.failed(trx, pairKey, failedAt, PAIR_RULE);
        await throttle.failed(trx, addressKey, failedAt, ADDRESS_RULE);
      });
      refuse('invalid_client');
    }
    const active = merchant.status === 'active';
    const accessToken = randomBytes(32).toString('hex');
    await store.write(async (trx) => {
      await throttle.forget(trx, pairKey);
      await throttle.succeeded(trx, addressKey, ADDRESS_RULE);
      if (active) await tokens.save(trx, merchant.id, hashToken(accessToken), now + tokenTtlSeconds * 1000, now);
    });
    if (!active) refuse('merchant_inactive');
    return { accessToken, expiresIn: tokenTtlSeconds };
  }

  /** Deletes the rows of sources quiet for QUIET_RESET_MS, at most once a minute per process. */
  async #prune(now: number): Promise<void> {
    if (now - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = now;
    await this.#deps.store.write((trx) => this.#throttle.prune(trx, now - QUIET_RESET_MS, now));
  }

  /**
   * The merchant a bearer token stands for (with its active keys for signed requests): refused as
   * `token_invalid` when the token is unknown or expired, `merchant_inactive` when its merchant is.
   */
  async holderOf(token: string, withKeys: boolean): Promise<TokenHolder | TokenHolderWithKeys> {
    const hash = hashToken(token);
    const holder = withKeys ? await this.#deps.tokens.holderWithKeys(hash) : await this.#deps.tokens.holder(hash);
    if (!holder || holder.expiresAt <= this.#deps.clock.now()) refuse('token_invalid');
    if (holder.merchant.status !== 'active') refuse('merchant_inactive');
    return holder;
  }
}
