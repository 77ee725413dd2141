/** Process configuration from CLI flags and environment variables, resolved once at start-up. */
import { accessSync, constants as fsConstants } from 'node:fs';
import { isIPv4 } from 'node:net';
import { join, resolve } from 'node:path';
import { parseTimeOfDay } from '../time/china-time.ts';
import { DEFAULT_SETTLEMENT_SCHEDULE, type SettlementSchedule } from '../settlement/settlement-schedule.ts';
import { parseAllowList, type OutboundSettings } from '../outbound/outbound-policy.ts';
import { refusedKind } from '../outbound/address-ranges.ts';
import { DEFAULT_DOCUMENT_WINDOW_MS, type SandboxAccess } from './gateway-config.ts';

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
  /** LOG_FORMAT: `pretty` (one readable line per record) or `json`; default pretty when stdout is a terminal. */
  readonly logFormat: LogFormat;
  /** UMF_SETTLEMENT_CUTOFF (HH:MM China time, default 00:00) and UMF_SETTLEMENT_TIME (HH:MM or off, default 02:00). */
  readonly settlement: SettlementSchedule;
  /**
   * UMF_NOTIFY_ALLOW (hosts, IP addresses or CIDRs allowed although internal, comma-separated) and
   * UMF_NOTIFY_ALLOW_PRIVATE (1/0; default 1 only in sandbox mode listening on loopback).
   */
  readonly outbound: OutboundSettings;
  /** From HOST and UMF_SANDBOX_PUBLIC (`1` or `0`, default `0`): see SandboxAccess. */
  readonly sandboxAccess: SandboxAccess;
  /** UMF_B2B_DOCUMENT_WINDOW (seconds, or a number with s, m or h; default 24h), in milliseconds. */
  readonly documentWindowMs: number;
  /** The documents FTP server that `serve` starts beside HTTP (B2B); undefined when `off`. */
  readonly ftp: FtpSettings | undefined;
}

/** `--ftp-port` / UMF_FTP_PORT, UMF_FTP_PASV_URL, UMF_FTP_PASV_PORTS, UMF_FTP_TLS_CERT / UMF_FTP_TLS_KEY. */
export interface FtpSettings {
  /** Default 2121; 0 picks a free one. */
  readonly port: number;
  /** The address announced for passive mode (IPv4 or host name); default the address the client reached. */
  readonly pasvAddress: string | undefined;
  readonly pasvPorts: { readonly min: number; readonly max: number } | undefined;
  /** Explicit FTPS (then required): the PEM files. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
}

/** UMF_FTP_PORT's default. */
export const DEFAULT_FTP_PORT = 2121;

export interface ConfigFlags {
  readonly host?: string | undefined;
  readonly port?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly database?: string | undefined;
  readonly ftpPort?: string | undefined;
}

/** The values of LOG_LEVEL (pino's levels). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** The values of LOG_FORMAT. */
export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
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

/** What the configuration's defaults depend on besides flags and environment. */
export interface Terminal {
  /** Whether stdout is a terminal (LOG_FORMAT's default: pretty on one, json otherwise). */
  readonly stdoutIsTty: boolean;
}

/**
 * The configuration of flags and environment, every value checked: throws one ConfigError naming
 * every bad value (not only the first).
 */
export function resolveConfig(
  flags: ConfigFlags,
  env: NodeJS.ProcessEnv = process.env,
  terminal: Terminal = { stdoutIsTty: process.stdout.isTTY === true },
): ProcessConfig {
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
  const logFormatText = env.LOG_FORMAT || (terminal.stdoutIsTty ? 'pretty' : 'json');
  const logFormat = (LOG_FORMATS as readonly string[]).includes(logFormatText) ? (logFormatText as LogFormat) : 'json';
  if (logFormat !== logFormatText) {
    problems.push(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(logFormatText)}`);
  }
  const settlement = settlementSchedule(env, problems);
  let documentWindowMs = DEFAULT_DOCUMENT_WINDOW_MS;
  try {
    documentWindowMs = parseDocumentWindow(env.UMF_B2B_DOCUMENT_WINDOW);
  } catch (error) {
    problems.push((error as Error).message);
  }
  const sandbox = mode === 'sandbox';
  let outbound: OutboundSettings = { allowPrivate: false, allow: [] };
  let access: SandboxAccess = 'loopback';
  try {
    outbound = outboundSettings(env, sandbox && isLoopbackHost(host));
  } catch (error) {
    problems.push((error as Error).message);
  }
  try {
    access = sandboxAccess(host, env.UMF_SANDBOX_PUBLIC);
  } catch (error) {
    problems.push((error as Error).message);
  }
  const ftp = ftpSettings(flags, env, port, problems);
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
    logFormat,
    settlement,
    outbound,
    sandboxAccess: access,
    documentWindowMs,
    ftp,
  };
}

/** UMF_B2B_DOCUMENT_WINDOW's longest value: 30 days. */
export const DOCUMENT_WINDOW_MAX_MS = 30 * 86_400_000;

/**
 * UMF_B2B_DOCUMENT_WINDOW: whole seconds (`86400`), or a whole number with `s`, `m` or `h` (`90m`,
 * `24h`), from 1 s to 30 days; unset or empty: 24 h. Milliseconds; throws naming the accepted forms.
 */
export function parseDocumentWindow(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return DEFAULT_DOCUMENT_WINDOW_MS;
  const m = /^(\d{1,9})\s*([smh]?)$/i.exec(text.trim());
  const unit = m
    ? ({ '': 1_000, s: 1_000, m: 60_000, h: 3_600_000 } as const)[m[2]!.toLowerCase() as '' | 's' | 'm' | 'h']
    : 0;
  const ms = m ? Number(m[1]) * unit : NaN;
  if (!(ms >= 1_000 && ms <= DOCUMENT_WINDOW_MAX_MS)) {
    throw new Error(
      `UMF_B2B_DOCUMENT_WINDOW must be seconds (86400) or a whole number with s, m or h (90m, 24h), from 1s ` +
        `to 720h, got ${JSON.stringify(text)}`,
    );
  }
  return ms;
}

function ftpSettings(
  flags: ConfigFlags,
  env: NodeJS.ProcessEnv,
  httpPort: number,
  problems: string[],
): FtpSettings | undefined {
  const portName = flags.ftpPort !== undefined ? '--ftp-port' : 'UMF_FTP_PORT';
  const portText = (flags.ftpPort ?? env.UMF_FTP_PORT ?? String(DEFAULT_FTP_PORT)).trim();
  let port = NaN;
  if (portText !== 'off') {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 0 && port <= 65535))
      problems.push(`${portName} must be a port number 0-65535 or off, got ${JSON.stringify(portText)}`);
    else if (port !== 0 && port === httpPort)
      problems.push(`${portName} ${port} is the HTTP port too: the FTP server needs a port of its own`);
  }
  let pasvAddress: string | undefined;
  const pasvText = env.UMF_FTP_PASV_URL?.trim();
  if (pasvText) {
    const host = pasvText.replace(/^ftps?:\/\//i, '').replace(/(:\d+)?\/?$/, '');
    if (
      isIPv4(host) ||
      /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host)
    )
      pasvAddress = host;
    else
      problems.push(
        'UMF_FTP_PASV_URL must be an IPv4 address or a host name (also written ftp://HOST), ' +
          `got ${JSON.stringify(pasvText)}`,
      );
  }
  let pasvPorts: { min: number; max: number } | undefined;
  const rangeText = env.UMF_FTP_PASV_PORTS?.trim();
  if (rangeText) {
    const match = /^(\d{1,5})-(\d{1,5})$/.exec(rangeText);
    const min = match ? Number(match[1]) : NaN;
    const max = match ? Number(match[2]) : NaN;
    if (min >= 1 && max <= 65535 && min <= max) pasvPorts = { min, max };
    else
      problems.push(
        'UMF_FTP_PASV_PORTS must be MIN-MAX, two ports 1-65535 with MIN <= MAX (e.g. 30000-30099), ' +
          `got ${JSON.stringify(rangeText)}`,
      );
  }
  let tls: FtpSettings['tls'];
  const certFile = env.UMF_FTP_TLS_CERT?.trim() || undefined;
  const keyFile = env.UMF_FTP_TLS_KEY?.trim() || undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    problems.push('UMF_FTP_TLS_CERT and UMF_FTP_TLS_KEY go together (explicit FTPS): set both PEM files or neither');
  } else if (certFile && keyFile) {
    const unreadable = [
      ['UMF_FTP_TLS_CERT', certFile],
      ['UMF_FTP_TLS_KEY', keyFile],
    ].filter(([, file]) => !readable(file!));
    for (const [name, file] of unreadable) problems.push(`${name}: cannot read ${file} (a PEM file)`);
    if (unreadable.length === 0) tls = { certFile: resolve(certFile), keyFile: resolve(keyFile) };
  }
  if (portText === 'off' || Number.isNaN(port)) return undefined;
  return { port, pasvAddress, pasvPorts, tls };
}

function readable(file: string): boolean {
  try {
    accessSync(file, fsConstants.R_OK);
    return true;
  } catch {
    return false;
  }
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
