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
  /** Who may call the sandbox's JSON endpoints (resolved from HOST and UMF_SANDBOX_PUBLIC). */
  readonly sandboxAccess: SandboxAccess;
  /**
   * UMF_B2B_DOCUMENT_WINDOW: how long after a B2B payment its documents may be approved before it is
   * cancelled and its money returned (default DEFAULT_DOCUMENT_WINDOW_MS).
   */
  readonly documentWindowMs?: number | undefined;
}

/**
 * Who may call the sandbox's JSON endpoints (`GET /sandbox/sms`, `POST /sandbox/payments/{id}/pay`):
 *
 * - `loopback`: the gateway listens on a loopback address only, so every caller is on this machine
 *   and needs no token (PRODUCT.md's contract);
 * - `token`: it listens beyond loopback (HOST=0.0.0.0, a LAN address): a loopback caller still needs
 *   no token, any other caller sends its merchant's bearer token and reaches only that merchant's
 *   payments and the SMS of them;
 * - `public`: UMF_SANDBOX_PUBLIC=1: anybody, without a token.
 *
 * Outside `public` the rule is the same (a caller that is not loopback needs a token); the two differ
 * in what the start-up line says. A request carrying Forwarded / X-Forwarded-For / X-Real-IP came
 * through a proxy and is not a loopback caller, whatever the proxy's own address.
 */
export type SandboxAccess = 'loopback' | 'token' | 'public';

/** The start-up line's words for a SandboxAccess. */
export function sandboxAccessText(access: SandboxAccess): string {
  return access === 'public'
    ? 'sandbox endpoints public (UMF_SANDBOX_PUBLIC=1)'
    : access === 'token'
      ? 'sandbox endpoints: token required beyond loopback'
      : 'sandbox endpoints open to loopback only';
}

export const DEFAULT_BODY_LIMIT = 256 * 1024;
export const DEFAULT_EXPIRE_MINUTES = 360;
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
/** UMF_B2B_DOCUMENT_WINDOW's default: 24 hours (reference 4.4). */
export const DEFAULT_DOCUMENT_WINDOW_MS = 24 * 3_600_000;
