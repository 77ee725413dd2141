/**
 * OAuth2 client credentials (reference 2.1): a merchant's client_id and client_secret buy an access
 * token; a new token replaces the merchant's previous one. Attempts are counted per client_id: after
 * MAX_FAILURES failures within FAILURE_WINDOW_MS the client is locked out for LOCKOUT_MS. Each attempt
 * is counted (reserved) in one atomic statement BEFORE its secret is checked, and a success clears the
 * count: so even a burst of parallel guesses gets at most MAX_FAILURES secrets checked per window.
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

export const MAX_FAILURES = 10;
export const FAILURE_WINDOW_MS = 15 * 60_000;
export const LOCKOUT_MS = 15 * 60_000;

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
  constructor(deps: OAuthServiceDeps) {
    this.#deps = deps;
  }

  async authorize(credentials: ClientCredentials): Promise<IssuedToken> {
    const { store, tokens, merchants, clock, tokenTtlSeconds } = this.#deps;
    const { clientId, clientSecret, grantType } = credentials;
    if (grantType !== 'client_credentials') refuse('unsupported_grant_type');
    if (!clientId || !clientSecret || clientId.length > 128 || clientSecret.length > 256) refuse('invalid_client');
    const now = clock.now();
    const lockedUntil = await tokens.lockedUntil(clientId);
    if (lockedUntil > now) refuse('too_many_attempts', undefined, { retryAfterMs: lockedUntil - now });
    const limits = { maxFailures: MAX_FAILURES, windowMs: FAILURE_WINDOW_MS, lockoutMs: LOCKOUT_MS };
    if ((await store.write((trx) => tokens.reserveAttempt(trx, clientId, now, limits))) > MAX_FAILURES) {
      // Attempts beyond the limit, in flight at the same time as the one that locked: refused unchecked.
      refuse('too_many_attempts', undefined, { retryAfterMs: LOCKOUT_MS });
    }
    const merchant = await merchants.credentialsOf(clientId);
    const ok = merchant ? await verifySecret(clientSecret, merchant.clientSecretHash) : false;
    if (!merchant || !ok) refuse('invalid_client'); // the attempt stays counted
    if (merchant.status !== 'active') refuse('merchant_inactive');
    const accessToken = randomBytes(32).toString('hex');
    await store.write(async (trx) => {
      await tokens.clearFailures(trx, clientId);
      await tokens.save(trx, merchant.id, hashToken(accessToken), now + tokenTtlSeconds * 1000, now);
    });
    return { accessToken, expiresIn: tokenTtlSeconds };
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
