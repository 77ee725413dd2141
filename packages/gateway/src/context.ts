/**
 * What every route, domain service and worker of one gateway process shares. Built once at start-up
 * (see gateway.ts) and passed in: no module globals.
 */
import type { Kysely } from 'kysely';
import type { Database } from './store/schema.ts';
import type { Store } from './store/database.ts';
import type { PlatformKeys } from './crypto/platform-keys.ts';
import type { SecretBox } from './crypto/master-key.ts';
import type { ResponseSigner } from './http/signed-body.ts';
import type { Channels } from './channels/channels.ts';
import type { PageTokens } from './http/page-tokens.ts';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface GatewayConfig {
  /** Base URL the outside world reaches this gateway at, without trailing slash (links, pages). */
  readonly publicUrl: string;
  /** Sandbox mode: sandbox channels and the /sandbox endpoints. */
  readonly sandbox: boolean;
  readonly tokenTtlSeconds: number;
  /** Largest accepted request body, in bytes. */
  readonly bodyLimit: number;
  /** Minutes an unpaid payment stays open when the order gives no expire_time. */
  readonly defaultExpireMinutes: number;
}

export interface GatewayContext {
  readonly store: Store;
  readonly db: Kysely<Database>;
  readonly config: GatewayConfig;
  readonly clock: Clock;
  readonly platform: PlatformKeys;
  readonly signer: ResponseSigner;
  /** Seals card data at rest (derived from the master key). */
  readonly cardVault: SecretBox;
  readonly channels: Channels;
  /** Tokens in the URLs of pages (checkout, sandbox wallet, WeChat authorisation). */
  readonly pageTokens: PageTokens;
}

export const API_PREFIX = '/cberest/v1';

export function apiUrl(ctx: GatewayContext, path: string): string {
  return `${ctx.config.publicUrl}${API_PREFIX}${path}`;
}
