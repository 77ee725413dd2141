/**
 * Tokens in the URLs of pages the platform hands out (hosted checkout, sandbox wallet, WeChat
 * authorisation state): an HMAC of the purpose and the object id under a key derived from the
 * master key. Whoever holds the URL may act on that one object; nobody can make one up.
 */
import type { SecretBox } from '../crypto/master-key.ts';

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
  /** A derived secret for a sandbox party (e.g. the WeChat API key). */
  secret(name: string, length = 32): string {
    return this.#box.fingerprint(`secret\0${name}`).slice(0, length);
  }
}
