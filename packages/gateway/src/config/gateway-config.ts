import type { OutboundSettings } from '../outbound/outbound-policy.ts';

/** The settings of one gateway, resolved before it starts (process-config.ts reads them from the process). */
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
  /**
   * Which addresses notify_url, ret_url and the open_id redirect may point at (outbound-policy.ts).
   * When absent: internal addresses are allowed only for a sandbox gateway whose publicUrl is loopback.
   */
  readonly outbound?: OutboundSettings | undefined;
}

export const DEFAULT_BODY_LIMIT = 256 * 1024;
export const DEFAULT_EXPIRE_MINUTES = 360;
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
