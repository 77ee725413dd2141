/**
 * `umf-gateway serve`: the gateway on a port until Ctrl-C or SIGTERM. Any start-up failure (a port in
 * use, a database it cannot reach, a missing connector) closes what was opened and ends the process
 * with one line and status 1; a bad configuration value is status 2 (cli/main.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { sandboxAccessText } from '../config/gateway-config.ts';
import type { ProcessConfig } from '../config/process-config.ts';
import { startGateway, type Gateway } from '../gateway.ts';
import { redactUrl } from '../store/database.ts';
import { MissingConnectorsError } from '../channels/connectors.ts';
import { CommandError, type Command } from './command.ts';
import { loadConnectors } from './connectors-module.ts';
import { processLoggerOptions } from '../log/process-logger.ts';

/**
 * Under load, objects of requests in flight survive two scavenges and are promoted; they die soon
 * after, but V8's default heap growth lets that garbage pile up in the old generation to about twice
 * the live heap before a full collection (RSS ~210 MB instead of ~170 MB in `npm run bench`). Growing
 * the old generation by at most 50 % over the live heap collects it sooner; a full collection is
 * mostly concurrent marking, and the benchmark shows no throughput cost. Set once, before any load;
 * `node --heap-growing-percent=N` overrides it.
 */
const HEAP_GROWING_PERCENT = 50;

/** Error codes of a database that cannot be reached or opened (node, pg and PostgreSQL's SQLSTATE). */
const DATABASE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
  '28P01', // password authentication failed
  '28000', // no such role or not allowed
  '3D000', // no such database
  '57P03', // the database is starting up
  'SQLITE_CANTOPEN',
  'SQLITE_NOTADB',
  'SQLITE_READONLY',
  'EACCES',
]);

/** What a failed listen means, in words that say what to do. */
function listenProblem(error: NodeJS.ErrnoException, config: ProcessConfig): string {
  const where = `${config.host}:${config.port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return (
        `cannot listen on ${where}: the port is in use (another gateway?); ` +
        'stop it or choose another port with PORT or --port'
      );
    case 'EACCES':
      return (
        `cannot listen on ${where}: permission denied (ports below 1024 need privileges); ` +
        'choose another with PORT or --port'
      );
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: ${config.host} is not an address of this machine (HOST or --host)`;
    default:
      return `cannot listen on ${where}: ${error.message}`;
  }
}

/** What a failed listen of the FTP server means. */
function ftpListenProblem(error: NodeJS.ErrnoException, host: string, port: number): string {
  const where = `${host}:${port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return (
        `cannot listen for FTP on ${where}: the port is in use (another gateway?); ` +
        'choose another with UMF_FTP_PORT or --ftp-port (off disables FTP)'
      );
    case 'EACCES':
      return (
        `cannot listen for FTP on ${where}: permission denied (ports below 1024 need privileges); ` +
        'choose another with UMF_FTP_PORT or --ftp-port'
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve UMF_FTP_PASV_URL: ${error.message}`;
    default:
      return `cannot listen for FTP on ${where}: ${error.message}`;
  }
}

/** The FTPS certificate and key (UMF_FTP_TLS_CERT, UMF_FTP_TLS_KEY), read now. */
function ftpTls(config: ProcessConfig): { cert: Buffer; key: Buffer } | undefined {
  const tls = config.ftp?.tls;
  if (!tls) return undefined;
  try {
    return { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
  } catch (error) {
    throw new CommandError(`cannot read the FTPS certificate or key: ${(error as Error).message}`);
  }
}

/** The error, its causes and, for an AggregateError (a name with several addresses), its first error. */
function* causes(error: unknown): Generator<unknown> {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    yield e;
    if (e instanceof AggregateError && e.errors.length) yield* causes(e.errors[0]);
    e = (e as { cause?: unknown }).cause;
  }
}

function startProblem(error: unknown, config: ProcessConfig): string {
  if (error instanceof MissingConnectorsError) return error.message;
  for (const e of causes(error)) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && DATABASE_CODES.has(code))
      return `cannot open the database ${redactUrl(config.databaseUrl)}: ${(e as Error).message || code}`;
  }
  return `cannot start: ${(error as Error).message ?? String(error)}`;
}

/** Whether `port` on `host` can be listened on now: checked before the gateway opens anything. */
function probePort(port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export const serveCommand: Command = {
  words: ['serve'],
  summary: 'run the gateway (sandbox mode by default) until Ctrl-C',
  createsDatabase: true,
  flags: {
    port: { type: 'string', value: 'N', help: 'port (PORT, default 8080; 0 picks a free one)' },
    host: { type: 'string', value: 'H', help: 'address to listen on (HOST, default 127.0.0.1)' },
    'ftp-port': {
      type: 'string',
      value: 'N|off',
      help: 'port of the documents FTP server (UMF_FTP_PORT, default 2121; off disables it)',
    },
  },
  details: [
    'Environment: UMF_MODE (sandbox|live), UMF_PUBLIC_URL, UMF_MASTER_KEY, UMF_TOKEN_TTL_SECONDS, LOG_LEVEL,',
    'LOG_FORMAT (pretty|json), UMF_SETTLEMENT_TIME, UMF_SETTLEMENT_CUTOFF, UMF_NOTIFY_ALLOW(_PRIVATE),',
    'UMF_SANDBOX_PUBLIC, UMF_CONNECTORS, UMF_FTP_PORT, UMF_FTP_PASV_URL, UMF_FTP_PASV_PORTS (MIN-MAX),',
    'UMF_FTP_TLS_CERT and UMF_FTP_TLS_KEY (explicit FTPS, then required)',
    '(README "Configuration"). A SQLite database that does not exist yet is created.',
  ],
  async run({ config, io, stopped }) {
    if (!process.execArgv.some((a) => a.startsWith('--heap-growing-percent')))
      setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    const sqlitePath = config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl.slice('sqlite:'.length) : '';
    const isNew = sqlitePath !== '' && sqlitePath !== ':memory:' && !existsSync(sqlitePath);
    if (config.port !== 0) {
      // Fail fast, before a database is migrated or a worker started (listen below still decides).
      await probePort(config.port, config.host).catch((error: NodeJS.ErrnoException) => {
        throw new CommandError(listenProblem(error, config));
      });
    }
    const ftpPort = config.ftp?.port;
    if (ftpPort) {
      await probePort(ftpPort, config.host).catch((error: NodeJS.ErrnoException) => {
        throw new CommandError(ftpListenProblem(error, config.host, ftpPort));
      });
    }
    const tls = ftpTls(config);
    let gateway: Gateway;
    try {
      gateway = await startGateway({
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        publicUrl: config.publicUrl,
        masterKeyEnv: config.masterKeyEnv,
        sandbox: config.sandbox,
        sandboxAccess: config.sandboxAccess,
        tokenTtlSeconds: config.tokenTtlSeconds,
        logger: processLoggerOptions({ level: config.logLevel, format: config.logFormat, stdout: process.stdout }),
        settlement: config.settlement,
        outbound: config.outbound,
        documentWindowMs: config.documentWindowMs,
        channels: await loadConnectors(config.connectorsModule),
        ftp: config.ftp && { pasvAddress: config.ftp.pasvAddress, pasvPorts: config.ftp.pasvPorts, tls },
      });
    } catch (error) {
      throw new CommandError(startProblem(error, config));
    }
    let address: string;
    try {
      address = await gateway.listen(config.port, config.host);
    } catch (error) {
      await gateway.close();
      throw new CommandError(listenProblem(error as NodeJS.ErrnoException, config));
    }
    let ftpAddress = 'FTP off';
    if (config.ftp) {
      try {
        const listening = await gateway.listenFtp(config.ftp.port, config.host);
        ftpAddress = `documents ${listening}${tls ? ' (FTPS required)' : ''}`;
      } catch (error) {
        await gateway.close();
        throw new CommandError(ftpListenProblem(error as NodeJS.ErrnoException, config.host, config.ftp.port));
      }
    }
    if (isNew) io.err(`umf-gateway: created a new database at ${sqlitePath}\n`);
    io.err(
      `umf-gateway listening on ${address} (${config.sandbox ? 'sandbox' : 'live'} mode, database ` +
        `${gateway.context.store.url}, API ${config.publicUrl}/cberest/v1` +
        `${config.sandbox ? `, ${sandboxAccessText(config.sandboxAccess)}` : ''}, ${ftpAddress})\n`,
    );
    await stopped;
    await gateway.close();
    return 0;
  },
};
