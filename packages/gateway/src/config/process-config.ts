/** Process configuration from CLI flags and environment variables, resolved once at start-up. */
import { join, resolve } from 'node:path';
import { parseTimeOfDay } from '../time/china-time.ts';
import { DEFAULT_SETTLEMENT_SCHEDULE, type SettlementSchedule } from '../settlement/settlement-schedule.ts';

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
}

export interface ConfigFlags {
  readonly host?: string | undefined;
  readonly port?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly database?: string | undefined;
}

/** The values of LOG_LEVEL (pino's levels). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** The values of UMF_MODE: `sandbox`, or `live` (alias `production`): real connectors only. */
export const MODES = ['sandbox', 'live', 'production'] as const;
/** UMF_TOKEN_TTL_SECONDS: a minute to a day. */
export const TOKEN_TTL_RANGE = { min: 60, max: 86_400 } as const;

/** Every bad value of the configuration, one message each (the CLI prints them all and exits 2). */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * The configuration of flags and environment, every value checked: throws one ConfigError naming
 * every bad value (not only the first).
 */
export function resolveConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): ProcessConfig {
  const problems: string[] = [];
  const host = flags.host ?? env.HOST ?? '127.0.0.1';
  if (!host.trim()) problems.push(`${flags.host !== undefined ? '--host' : 'HOST'} must not be empty`);
  const portText = flags.port ?? env.PORT ?? '8080';
  const port = /^\d{1,5}$/.test(portText.trim()) ? Number(portText) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(
      `${flags.port !== undefined ? '--port' : 'PORT'} must be a port number 0-65535, got ${JSON.stringify(portText)}`,
    );
  }
  const dataDir = resolve(flags.dataDir ?? env.UMF_DATA_DIR ?? './data');
  const databaseUrl = flags.database || env.DATABASE_URL || `sqlite:${join(dataDir, 'umf-gateway.sqlite')}`;
  if (!/^(sqlite:|postgres:\/\/|postgresql:\/\/|pglite:)/.test(databaseUrl)) {
    problems.push(
      `${flags.database ? '--database' : 'DATABASE_URL'} must be sqlite:<path>, postgres://... or pglite:` +
        ' (the value is not shown: it may hold a password)',
    );
  }
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const publicUrl = (
    env.UMF_PUBLIC_URL ?? `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`
  ).replace(/\/+$/, '');
  if (env.UMF_PUBLIC_URL !== undefined && !isHttpUrl(publicUrl)) {
    problems.push(`UMF_PUBLIC_URL must be an http:// or https:// URL, got ${JSON.stringify(env.UMF_PUBLIC_URL)}`);
  }
  const masterKeyEnv = env.UMF_MASTER_KEY || undefined;
  if (masterKeyEnv !== undefined && !isBase64Key(masterKeyEnv)) {
    problems.push('UMF_MASTER_KEY must be the base64 encoding of 32 random bytes (the value is not shown)');
  }
  const mode = env.UMF_MODE ?? 'sandbox';
  if (!(MODES as readonly string[]).includes(mode)) {
    problems.push(`UMF_MODE must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  }
  const ttlText = env.UMF_TOKEN_TTL_SECONDS ?? '3600';
  const tokenTtlSeconds = /^\d+$/.test(ttlText.trim()) ? Number(ttlText) : NaN;
  if (!(tokenTtlSeconds >= TOKEN_TTL_RANGE.min && tokenTtlSeconds <= TOKEN_TTL_RANGE.max)) {
    problems.push(
      `UMF_TOKEN_TTL_SECONDS must be a whole number of seconds from ${TOKEN_TTL_RANGE.min} to ` +
        `${TOKEN_TTL_RANGE.max}, got ${JSON.stringify(ttlText)}`,
    );
  }
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  }
  const settlement = settlementSchedule(env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    host,
    port,
    dataDir,
    databaseUrl,
    publicUrl,
    masterKeyEnv,
    sandbox: mode === 'sandbox',
    connectorsModule: env.UMF_CONNECTORS || undefined,
    tokenTtlSeconds,
    logLevel,
    settlement,
  };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function isBase64Key(text: string): boolean {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(text.trim()) && Buffer.from(text, 'base64').length === 32;
}

function settlementSchedule(env: NodeJS.ProcessEnv, problems: string[]): SettlementSchedule {
  const timeOfDay = (name: string, fallback: number): number => {
    const text = env[name];
    if (!text) return fallback;
    try {
      return parseTimeOfDay(text, name);
    } catch (error) {
      problems.push((error as Error).message);
      return fallback;
    }
  };
  const time = env.UMF_SETTLEMENT_TIME;
  return {
    cutoffMinutes: timeOfDay('UMF_SETTLEMENT_CUTOFF', DEFAULT_SETTLEMENT_SCHEDULE.cutoffMinutes),
    runAtMinutes:
      time === 'off' ? undefined : timeOfDay('UMF_SETTLEMENT_TIME', DEFAULT_SETTLEMENT_SCHEDULE.runAtMinutes ?? 0),
  };
}
