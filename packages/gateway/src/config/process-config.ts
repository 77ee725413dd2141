/** Process configuration from CLI flags and environment variables, resolved once at start-up. */
import { join, resolve } from 'node:path';
import { parseTimeOfDay } from '../time/china-time.ts';
import { DEFAULT_SETTLEMENT_SCHEDULE, type SettlementSchedule } from '../settlement/settlement-schedule.ts';
import { parseAllowList, type OutboundSettings } from '../outbound/outbound-policy.ts';
import { refusedKind } from '../outbound/address-ranges.ts';
import type { SandboxAccess } from './gateway-config.ts';

export interface ProcessConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly databaseUrl: string;
  readonly publicUrl: string;
  readonly masterKeyEnv: string | undefined;
  readonly sandbox: boolean;
  /** UMF_CONNECTORS: the module of the real connectors (cli/connectors-module.ts). */
  readonly connectorsModule: string | undefined;
  readonly tokenTtlSeconds: number;
  readonly logLevel: string;
  /** UMF_SETTLEMENT_CUTOFF (HH:MM China time, default 00:00) and UMF_SETTLEMENT_TIME (HH:MM or off, default 02:00). */
  readonly settlement: SettlementSchedule;
  /**
   * UMF_NOTIFY_ALLOW (hosts, IP addresses or CIDRs allowed although internal, comma-separated) and
   * UMF_NOTIFY_ALLOW_PRIVATE (1/0; default 1 only in sandbox mode listening on loopback).
   */
  readonly outbound: OutboundSettings;
  /** From HOST and UMF_SANDBOX_PUBLIC (`1` or `0`, default `0`): see SandboxAccess. */
  readonly sandboxAccess: SandboxAccess;
}

export interface ConfigFlags {
  readonly host?: string | undefined;
  readonly port?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly database?: string | undefined;
}

export function resolveConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): ProcessConfig {
  const host = flags.host ?? env.HOST ?? '127.0.0.1';
  const port = Number(flags.port ?? env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${flags.port ?? env.PORT}`);
  const dataDir = resolve(flags.dataDir ?? env.UMF_DATA_DIR ?? './data');
  const databaseUrl = flags.database || env.DATABASE_URL || `sqlite:${join(dataDir, 'umf-gateway.sqlite')}`;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const sandbox = (env.UMF_MODE ?? 'sandbox') === 'sandbox';
  return {
    host,
    port,
    dataDir,
    databaseUrl,
    publicUrl: (
      env.UMF_PUBLIC_URL ?? `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`
    ).replace(/\/+$/, ''),
    masterKeyEnv: env.UMF_MASTER_KEY,
    sandbox,
    connectorsModule: env.UMF_CONNECTORS || undefined,
    tokenTtlSeconds: Number(env.UMF_TOKEN_TTL_SECONDS ?? 3600),
    logLevel: env.LOG_LEVEL ?? 'info',
    settlement: settlementSchedule(env),
    outbound: outboundSettings(env, sandbox && isLoopbackHost(host)),
    sandboxAccess: sandboxAccess(host, env.UMF_SANDBOX_PUBLIC),
  };
}

/** Whether a listen address is loopback only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || refusedKind(bare) === 'loopback';
}

function outboundSettings(env: NodeJS.ProcessEnv, privateByDefault: boolean): OutboundSettings {
  const flag = env.UMF_NOTIFY_ALLOW_PRIVATE;
  if (flag !== undefined && flag !== '' && flag !== '1' && flag !== '0') {
    throw new Error(`invalid UMF_NOTIFY_ALLOW_PRIVATE ${JSON.stringify(flag)}: must be 1 or 0`);
  }
  let allow: string[];
  try {
    allow = parseAllowList(env.UMF_NOTIFY_ALLOW ?? '');
  } catch (error) {
    throw new Error(`invalid UMF_NOTIFY_ALLOW: ${(error as Error).message}`);
  }
  return { allowPrivate: flag === undefined || flag === '' ? privateByDefault : flag === '1', allow };
}

function sandboxAccess(host: string, open: string | undefined): SandboxAccess {
  if (open !== undefined && open !== '' && open !== '0' && open !== '1') {
    throw new Error(`invalid UMF_SANDBOX_PUBLIC ${JSON.stringify(open)}: 1 (sandbox endpoints open to anyone) or 0`);
  }
  if (open === '1') return 'public';
  return isLoopbackHost(host) ? 'loopback' : 'token';
}

function settlementSchedule(env: NodeJS.ProcessEnv): SettlementSchedule {
  const cutoff = env.UMF_SETTLEMENT_CUTOFF;
  const time = env.UMF_SETTLEMENT_TIME;
  return {
    cutoffMinutes: cutoff ? parseTimeOfDay(cutoff, 'UMF_SETTLEMENT_CUTOFF') : DEFAULT_SETTLEMENT_SCHEDULE.cutoffMinutes,
    runAtMinutes:
      time === 'off'
        ? undefined
        : time
          ? parseTimeOfDay(time, 'UMF_SETTLEMENT_TIME')
          : DEFAULT_SETTLEMENT_SCHEDULE.runAtMinutes,
  };
}
