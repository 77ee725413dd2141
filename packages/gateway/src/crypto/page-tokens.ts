/**
 * Tokens in the URLs of pages the platform hands out (hosted checkout, sandbox wallet, WeChat
 * authorisation state): an HMAC of the purpose and the object id under a key derived from the
 * master key. Whoever holds the URL may act on that one object; nobody can make one up.
 *
 * A payment's page token lives as long as the payment can be paid, plus PAGE_TOKEN_GRACE_MS (the
 * payer who paid at the last minute still sees the result page): the routes that check a token
 * check `pageTokenExpired(payment.expire_at, now)` too, and answer an expired link with the
 * "link expired" page (410). The token itself stays the 32 hex characters of today's links, and the
 * payment's expiry it depends on is fixed when the payment is created, so the check is the same as
 * an expiry signed into the token.
 */
import type { SecretBox } from '../crypto/master-key.ts';

/** How long after its payment's expire_at a page token is still accepted (1 hour). */
export const PAGE_TOKEN_GRACE_MS = 60 * 60_000;

/** Whether the page token of a payment that expires (or expired) at `expireAt` is no longer accepted. */
export function pageTokenExpired(expireAt: number, now: number): boolean {
  return now > expireAt + PAGE_TOKEN_GRACE_MS;
}

/** Why a page link opens nothing: its token does not match, no such payment, or it outlived its payment. */
export type PageLinkRefusal = 'forbidden' | 'notFound' | 'expired';

export class PageTokens {
  readonly #box: SecretBox;
  constructor(secrets: SecretBox) {
    this.#box = secrets.derive('page tokens');
  }
  token(purpose: string, id: string): string {
    return this.#box.fingerprint(`${purpose}\0${id}`).slice(0, 32);
  }
  valid(purpose: string, id: string, token: unknown): boolean {
    if (typeof token !== 'string' || token.length !== 32) return false;
    const expected = this.token(purpose, id);
    let diff = 0;
    for (let i = 0; i < 32; i++) diff |= expected.charCodeAt(i) ^ token.charCodeAt(i);
    return diff === 0;
  }
  /**
   * The payment a page link opens, checked in the order every page checks it: the token of `purpose`
   * for `id` (nothing is read for a forged one), the payment (`find`), then the link's expiry.
   */
  async openPayment<R extends { readonly expire_at: number }>(
    purpose: string,
    id: string,
    token: unknown,
    find: (id: string) => Promise<R | undefined>,
    now: number,
  ): Promise<{ readonly record: R } | { readonly refused: PageLinkRefusal }> {
    if (!this.valid(purpose, id, token)) return { refused: 'forbidden' };
    const record = await find(id);
    if (!record) return { refused: 'notFound' };
    if (pageTokenExpired(record.expire_at, now)) return { refused: 'expired' };
    return { record };
  }
  /** A derived secret for a sandbox party (e.g. the WeChat API key). */
  secret(name: string, length = 32): string {
    return this.#box.fingerprint(`secret\0${name}`).slice(0, length);
  }
}
