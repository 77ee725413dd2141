/**
 * WeChat official-account open_id (reference 3.15). The merchant asks for an authorisation link;
 * the payer's WeChat browser opens it (the sandbox WeChat authorisation page), the payer accepts,
 * and the browser is sent to the merchant's notify_url with `open_id` and `state`. The state is
 * signed by the platform (merchant, notify_url, expiry), so an altered or invented state is refused
 * by the authorisation page; the merchant can compare the state it gets back with the link's.
 */
import { UmfError, RET } from '../errors/catalogue.ts';
import type { GatewayContext } from '../context.ts';

const STATE_TTL_MS = 30 * 60_000;

export interface OpenIdState {
  readonly merchantId: string;
  readonly notifyUrl: string;
  readonly expiresAt: number;
}

export function createOpenIdState(ctx: GatewayContext, merchantId: string, notifyUrl: string): string {
  const payload = Buffer.from(
    JSON.stringify({ m: merchantId, u: notifyUrl, e: ctx.clock.now() + STATE_TTL_MS }),
  ).toString('base64url');
  return `${payload}.${ctx.pageTokens.token('wechat-state', payload)}`;
}

export function readOpenIdState(ctx: GatewayContext, state: unknown): OpenIdState {
  if (typeof state !== 'string') throw new UmfError(RET.VALIDATION, 'state is missing');
  const [payload, mac] = state.split('.');
  if (!payload || !ctx.pageTokens.valid('wechat-state', payload, mac))
    throw new UmfError(RET.VALIDATION, 'state was not issued by the platform');
  const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { m: string; u: string; e: number };
  if (parsed.e <= ctx.clock.now())
    throw new UmfError(RET.VALIDATION, 'state has expired: ask the merchant for a new link');
  return { merchantId: parsed.m, notifyUrl: parsed.u, expiresAt: parsed.e };
}

/** The payer's open_id for one merchant's official account: stable per (merchant, WeChat user). */
export async function issueOpenId(ctx: GatewayContext, merchantId: string, userName: string): Promise<string> {
  const openId =
    'o' +
    Buffer.from(ctx.pageTokens.secret(`open_id\0${merchantId}\0${userName}`, 40), 'hex')
      .toString('base64url')
      .slice(0, 27);
  await ctx.db
    .insertInto('wechat_open_ids')
    .values({ open_id: openId, merchant_id: merchantId, user_name: userName, created_at: ctx.clock.now() })
    .onConflict((oc) => oc.column('open_id').doNothing())
    .execute();
  return openId;
}

/** Where the payer's browser goes after accepting: notify_url with open_id and state appended. */
export function openIdRedirect(notifyUrl: string, openId: string, state: string): string {
  const url = new URL(notifyUrl);
  url.searchParams.set('open_id', openId);
  url.searchParams.set('state', state);
  return url.toString();
}
