/**
 * WeChat official-account open_id (reference 3.15). The merchant asks for an authorisation link; the
 * payer's WeChat browser opens it (the sandbox WeChat authorisation page), the payer accepts, and the
 * browser is sent to the merchant's notify_url with `open_id` and `state`. The state is signed by the
 * platform (merchant, notify_url, expiry), so an altered or invented state is refused by the
 * authorisation page; the merchant can compare the state it gets back with the link's.
 */
import type { Store } from '../store/database.ts';
import type { Clock } from '../time/clock.ts';
import type { PageTokens } from '../crypto/page-tokens.ts';
import { refuse } from '../errors/domain-error.ts';
import type { OpenIdRepository } from './open-id-repository.ts';

export const OPEN_ID_STATE_TTL_MS = 30 * 60_000;

export interface OpenIdState {
  readonly merchantId: string;
  readonly notifyUrl: string;
  readonly expiresAt: number;
}

export interface OpenIdServiceDeps {
  readonly store: Store;
  readonly openIds: OpenIdRepository;
  readonly pageTokens: PageTokens;
  readonly clock: Clock;
}

export class OpenIdService {
  readonly #deps: OpenIdServiceDeps;
  constructor(deps: OpenIdServiceDeps) {
    this.#deps = deps;
  }

  /** The signed `state` of an authorisation link for a merchant's notify_url. */
  createState(merchantId: string, notifyUrl: string): string {
    const { pageTokens, clock } = this.#deps;
    const claims = { m: merchantId, u: notifyUrl, e: clock.now() + OPEN_ID_STATE_TTL_MS };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${payload}.${pageTokens.token('wechat-state', payload)}`;
  }

  /** The state's claims; refused (`invalid_request`) when it was not issued by the platform or expired. */
  readState(state: unknown): OpenIdState {
    if (typeof state !== 'string') refuse('invalid_request', 'state is missing');
    const [payload, mac] = state.split('.');
    if (!payload || !this.#deps.pageTokens.valid('wechat-state', payload, mac)) {
      refuse('invalid_request', 'state was not issued by the platform');
    }
    let parsed: { m?: unknown; u?: unknown; e?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof parsed;
    } catch {
      return refuse('invalid_request', 'state was not issued by the platform');
    }
    if (typeof parsed.m !== 'string' || typeof parsed.u !== 'string' || typeof parsed.e !== 'number') {
      refuse('invalid_request', 'state was not issued by the platform');
    }
    if (parsed.e <= this.#deps.clock.now())
      refuse('invalid_request', 'state has expired: ask the merchant for a new link');
    return { merchantId: parsed.m, notifyUrl: parsed.u, expiresAt: parsed.e };
  }

  /** The payer's open_id for one merchant's official account: stable per (merchant, WeChat user). */
  async issue(merchantId: string, userName: string): Promise<string> {
    const { store, openIds, pageTokens, clock } = this.#deps;
    const secret = pageTokens.secret(`open_id\0${merchantId}\0${userName}`, 40);
    const openId = 'o' + Buffer.from(secret, 'hex').toString('base64url').slice(0, 27);
    await store.write((trx) => openIds.save(trx, openId, merchantId, userName, clock.now()));
    return openId;
  }
}

/** Where the payer's browser goes after accepting: notify_url with open_id and state appended. */
export function openIdRedirect(notifyUrl: string, openId: string, state: string): string {
  const url = new URL(notifyUrl);
  url.searchParams.set('open_id', openId);
  url.searchParams.set('state', state);
  return url.toString();
}
