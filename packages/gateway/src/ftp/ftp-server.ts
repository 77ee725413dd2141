/**
 * A small FTP server for uploads into one folder per account (RFC 959 subset, RFC 2228/4217 explicit
 * TLS, RFC 2428 EPSV, RFC 3659 SIZE/MDTM/MLSD): what basic-ftp, curl and FileZilla use to log in,
 * list a folder and upload a file. It knows nothing of payments: an `FtpBackend` logs accounts in,
 * lists their folder and decides about each upload (documents/document-ftp.ts).
 *
 * What an account may do: see one folder (`/`), list it, upload into it. Everything that deletes,
 * renames, appends, makes or removes directories, downloads or leaves the folder is answered 550 with
 * why. A path is never handed to the file system: a name with a slash, `..`, a control character or
 * a path outside `/` is refused here (553), so path traversal, absolute paths and symlinks have
 * nothing to act on.
 *
 * Limits (FtpLimits): connections in all and per address, failed logins throttled per address
 * (each failure answered after a delay, an address blocked for a while after too many), an idle
 * timeout on the control connection, a timeout on data connections, the largest upload (the
 * transfer is cut and refused past it), the longest command line. Passive mode only (PASV, EPSV):
 * active mode (PORT, EPRT) would let a client make the server connect anywhere. A data connection
 * must come from the control connection's address. With a certificate (`tls`), TLS is required: USER
 * before AUTH TLS is refused, and data connections need PROT P.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';

/** One file of an account's folder, as LIST, MLSD, SIZE and MDTM show it. */
export interface FtpFile {
  readonly name: string;
  readonly size: number;
  /** Epoch milliseconds. */
  readonly modifiedAt: number;
}

/** An FTP reply: its code (4xx/5xx for refusals) and its text (what to fix). */
export interface FtpReply {
  readonly code: number;
  readonly message: string;
}

/** What the server asks the application; `A` is the application's account (never shown to clients). */
export interface FtpBackend<A> {
  /** The account of these credentials, or undefined. */
  login(user: string, password: string): Promise<A | undefined>;
  /** The files of the account's folder. */
  list(account: A): Promise<readonly FtpFile[]>;
  /** Before any data is read: a refusal of an upload under `name`, or undefined to receive it. */
  checkUpload(account: A, name: string): Promise<FtpReply | undefined>;
  /** The whole upload, received: the final reply (226 when kept, a refusal when nothing was kept). */
  upload(account: A, name: string, data: Buffer): Promise<FtpReply>;
}

export interface FtpLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  /** A control connection with no command for this long is closed (421). */
  readonly idleTimeoutMs: number;
  /** How long a passive port waits for its data connection, and a transfer may stall. */
  readonly dataTimeoutMs: number;
  /** The largest upload, in bytes. */
  readonly maxUploadBytes: number;
  /** Failed logins from one address within `loginFailureWindowMs` before it is blocked. */
  readonly loginFailuresPerAddress: number;
  readonly loginFailureWindowMs: number;
  /** How long a blocked address may not log in. */
  readonly loginBlockMs: number;
  /** Each failed login is answered after this delay. */
  readonly loginFailureDelayMs: number;
  /** Failed logins on one connection before it is closed. */
  readonly loginAttemptsPerConnection: number;
  readonly maxLineBytes: number;
}

export const DEFAULT_FTP_LIMITS: FtpLimits = {
  maxConnections: 200,
  maxConnectionsPerAddress: 10,
  idleTimeoutMs: 300_000,
  dataTimeoutMs: 30_000,
  maxUploadBytes: 50 * 1024 * 1024,
  loginFailuresPerAddress: 10,
  loginFailureWindowMs: 15 * 60_000,
  loginBlockMs: 15 * 60_000,
  loginFailureDelayMs: 500,
  loginAttemptsPerConnection: 3,
  maxLineBytes: 2048,
};

/** A pino-like logger (the app's): never handed a password. */
export interface FtpLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface FtpServerOptions<A> {
  readonly backend: FtpBackend<A>;
  /** The address announced in PASV replies (IPv4, or a host name resolved at listen); default: the one reached. */
  readonly pasvAddress?: string | undefined;
  /** The ports passive data connections listen on (default: any free port). */
  readonly pasvPorts?: { readonly min: number; readonly max: number } | undefined;
  /** Explicit FTPS (AUTH TLS), then required: PEM certificate (chain) and key. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer } | undefined;
  readonly limits?: Partial<FtpLimits> | undefined;
  readonly log?: FtpLog | undefined;
}

const READ_ONLY_REFUSALS: Readonly<Record<string, string>> = {
  DELE: 'uploads cannot be deleted: a wrong upload is replaced by one with the next sequence number',
  RNFR: 'files cannot be renamed: upload again with the next sequence number',
  RNTO: 'files cannot be renamed: upload again with the next sequence number',
  APPE: 'appending is not allowed: an upload is one whole file, and a file is never changed',
  MKD: 'directories cannot be made: your folder is /, upload into it',
  XMKD: 'directories cannot be made: your folder is /, upload into it',
  RMD: 'directories cannot be removed',
  XRMD: 'directories cannot be removed',
  STOU: 'name your upload (STOR NAME): the name says which payment it belongs to',
  RETR: 'uploads only: files cannot be downloaded',
  SITE: 'SITE commands are not offered',
  PORT: 'active mode is not offered: use passive mode (PASV or EPSV)',
  EPRT: 'active mode is not offered: use passive mode (PASV or EPSV)',
  REST: 'restarted transfers are not offered: upload the whole file',
  SMNT: 'your folder is /: there is nothing to mount',
};

/** Commands allowed before login. */
const BEFORE_LOGIN = new Set(['USER', 'PASS', 'AUTH', 'PBSZ', 'PROT', 'FEAT', 'SYST', 'QUIT', 'NOOP', 'OPTS', 'HELP']);

/** Failed logins by address: a delay for each, a block after too many. */
class LoginThrottle {
  readonly #failures = new Map<string, { count: number; since: number; blockedUntil: number }>();
  readonly #limits: FtpLimits;
  constructor(limits: FtpLimits) {
    this.#limits = limits;
  }
  /** Milliseconds the address is still blocked for (0: may try). */
  blockedFor(address: string, now: number): number {
    const entry = this.#failures.get(address);
    return entry && entry.blockedUntil > now ? entry.blockedUntil - now : 0;
  }
  failed(address: string, now: number): void {
    const { loginFailureWindowMs, loginFailuresPerAddress, loginBlockMs } = this.#limits;
    if (this.#failures.size > 10_000) this.#prune(now);
    let entry = this.#failures.get(address);
    if (!entry || now - entry.since > loginFailureWindowMs) {
      entry = { count: 0, since: now, blockedUntil: 0 };
      this.#failures.set(address, entry);
    }
    entry.count += 1;
    if (entry.count >= loginFailuresPerAddress) entry.blockedUntil = now + loginBlockMs;
  }
  succeeded(address: string): void {
    this.#failures.delete(address);
  }
  #prune(now: number): void {
    for (const [address, entry] of this.#failures) {
      if (entry.blockedUntil <= now && now - entry.since > this.#limits.loginFailureWindowMs)
        this.#failures.delete(address);
    }
  }
}

/** The bare address of a socket's peer (`::ffff:1.2.3.4` is `1.2.3.4`). */
function bareAddress(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:/i, '');
}

/**
 * The file name a command argument names in the one folder, or a refusal: `NAME` and `/NAME` only.
 */
export function fileNameOf(argument: string): { name: string } | { refusal: string } {
  const name = argument.startsWith('/') ? argument.slice(1) : argument;
  if (name === '') return { refusal: 'name a file' };
  if (/[/\\]/.test(name) || name === '.' || name === '..')
    return { refusal: 'file names only, no paths or directories: your folder is /' };
  if ([...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    return { refusal: 'a file name cannot hold control characters' };
  if (name.length > 255) return { refusal: 'a file name is at most 255 characters' };
  return { name };
}

export class FtpServer<A> {
  readonly #options: FtpServerOptions<A>;
  readonly #limits: FtpLimits;
  readonly #throttle: LoginThrottle;
  readonly #secureContext: SecureContext | undefined;
  readonly #sessions = new Set<FtpSession<A>>();
  readonly #perAddress = new Map<string, number>();
  #server: Server | undefined;
  #pasvAddress: string | undefined;

  constructor(options: FtpServerOptions<A>) {
    this.#options = options;
    this.#limits = { ...DEFAULT_FTP_LIMITS, ...options.limits };
    this.#throttle = new LoginThrottle(this.#limits);
    this.#secureContext = options.tls
      ? createSecureContext({ cert: options.tls.cert, key: options.tls.key })
      : undefined;
  }

  get limits(): FtpLimits {
    return this.#limits;
  }

  /** Whether explicit FTPS is configured (then required). */
  get secure(): boolean {
    return this.#secureContext !== undefined;
  }

  /** Listens on `port` of `host`; resolves with the `ftp://host:port` address. */
  async listen(port: number, host: string): Promise<string> {
    const pasv = this.#options.pasvAddress;
    if (pasv !== undefined) {
      this.#pasvAddress = isIPv4(pasv) ? pasv : (await lookup(pasv, { family: 4 })).address;
    }
    const server = createServer((socket) => this.#accept(socket));
    server.maxConnections = this.#limits.maxConnections;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    const address = server.address() as AddressInfo;
    const shown = address.address.includes(':') ? `[${address.address}]` : address.address;
    return `ftp://${shown}:${address.port}`;
  }

  /** The port listened on (after listen). */
  get port(): number {
    return (this.#server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Stops listening and ends every session. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const session of this.#sessions) session.end('421 The server is shutting down');
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    const address = bareAddress(socket.remoteAddress);
    const count = this.#perAddress.get(address) ?? 0;
    if (count >= this.#limits.maxConnectionsPerAddress) {
      socket.end(`421 Too many connections from ${address} (at most ${this.#limits.maxConnectionsPerAddress})\r\n`);
      socket.on('error', () => {});
      return;
    }
    this.#perAddress.set(address, count + 1);
    const session = new FtpSession<A>(socket, {
      backend: this.#options.backend,
      limits: this.#limits,
      throttle: this.#throttle,
      secureContext: this.#secureContext,
      pasvAddress: this.#pasvAddress,
      pasvPorts: this.#options.pasvPorts,
      log: this.#options.log,
    });
    this.#sessions.add(session);
    void session.closed.then(() => {
      this.#sessions.delete(session);
      const left = (this.#perAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.#perAddress.delete(address);
      else this.#perAddress.set(address, left);
    });
  }
}

interface SessionDeps<A> {
  readonly backend: FtpBackend<A>;
  readonly limits: FtpLimits;
  readonly throttle: LoginThrottle;
  readonly secureContext: SecureContext | undefined;
  readonly pasvAddress: string | undefined;
  readonly pasvPorts: { readonly min: number; readonly max: number } | undefined;
  readonly log: FtpLog | undefined;
}

/** A passive data port: listens until its one connection (from the control connection's address) arrives. */
class PassivePort {
  readonly #server: Server;
  readonly #connection: Promise<Socket>;
  #socket: Socket | undefined;

  private constructor(server: Server, connection: Promise<Socket>) {
    this.#server = server;
    this.#connection = connection;
    this.#connection.then(
      (s) => (this.#socket = s),
      () => {},
    );
  }

  static async open(
    host: string,
    ports: { min: number; max: number } | undefined,
    peer: string,
    secure: SecureContext | undefined,
    timeoutMs: number,
  ): Promise<PassivePort | undefined> {
    let resolveSocket!: (s: Socket) => void;
    let rejectSocket!: (e: Error) => void;
    const connection = new Promise<Socket>((resolve, reject) => {
      resolveSocket = resolve;
      rejectSocket = reject;
    });
    connection.catch(() => {});
    let taken = false;
    const server = createServer((socket) => {
      socket.on('error', () => {});
      if (taken || bareAddress(socket.remoteAddress) !== peer) {
        // Only the client of the control connection may use its data port.
        socket.destroy();
        return;
      }
      taken = true;
      clearTimeout(timer);
      server.close();
      if (!secure) {
        resolveSocket(socket);
        return;
      }
      const tlsSocket = new TLSSocket(socket, { isServer: true, secureContext: secure });
      tlsSocket.on('error', (error: Error) => rejectSocket(error));
      tlsSocket.once('secure', () => resolveSocket(tlsSocket));
    });
    const timer = setTimeout(() => {
      server.close();
      rejectSocket(new Error('no data connection arrived'));
    }, timeoutMs);
    const candidates = ports ? shuffledRange(ports.min, ports.max) : [0];
    for (const port of candidates.slice(0, 100)) {
      const listening = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen({ port, host, exclusive: true }, () => resolve(true));
      });
      if (listening) {
        server.removeAllListeners('error');
        server.on('error', () => {});
        return new PassivePort(server, connection);
      }
    }
    clearTimeout(timer);
    return undefined;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  connection(): Promise<Socket> {
    return this.#connection;
  }

  close(): void {
    this.#server.close();
    this.#socket?.destroy();
  }
}

function shuffledRange(min: number, max: number): number[] {
  const ports: number[] = [];
  for (let p = min; p <= max; p++) ports.push(p);
  for (let i = ports.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [ports[i], ports[j]] = [ports[j]!, ports[i]!];
  }
  return ports;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function listLine(file: FtpFile): string {
  const d = new Date(file.modifiedAt);
  const two = (n: number, pad: string) => String(n).padStart(2, pad);
  const day = `${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate(), ' ')}`;
  const time = `${day} ${two(d.getUTCHours(), '0')}:${two(d.getUTCMinutes(), '0')}`;
  return `-r--r--r-- 1 ftp ftp ${String(file.size).padStart(10)} ${time} ${file.name}`;
}

function factTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** One control connection. */
class FtpSession<A> {
  readonly closed: Promise<void>;
  readonly #deps: SessionDeps<A>;
  readonly #peer: string;
  #socket: Socket;
  #buffer = '';
  #queue: Promise<void> = Promise.resolve();
  #ended = false;
  #user: string | undefined;
  #account: A | undefined;
  #failures = 0;
  #protectData = false;
  #passive: PassivePort | undefined;
  #idle: NodeJS.Timeout | undefined;
  #markClosed!: () => void;

  constructor(socket: Socket, deps: SessionDeps<A>) {
    this.#deps = deps;
    this.#socket = socket;
    this.#peer = bareAddress(socket.remoteAddress);
    this.closed = new Promise((resolve) => (this.#markClosed = resolve));
    this.#attach(socket);
    this.#reply(
      220,
      deps.secureContext ? 'umf-gateway documents FTP (AUTH TLS required)' : 'umf-gateway documents FTP',
    );
    this.#touch();
  }

  get #secure(): boolean {
    return this.#socket instanceof TLSSocket;
  }

  #attach(socket: Socket): void {
    socket.setNoDelay(true);
    socket.on('data', this.#onData);
    socket.on('error', () => this.#cleanup());
    socket.on('close', () => this.#cleanup());
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#buffer += chunk.toString('utf8');
    let newline: number;
    while ((newline = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, newline).replace(/\r$/, '');
      this.#buffer = this.#buffer.slice(newline + 1);
      if (line.length > this.#deps.limits.maxLineBytes) {
        this.#buffer = '';
        this.end(`500 Command line too long (at most ${this.#deps.limits.maxLineBytes} bytes)`);
        return;
      }
      this.#queue = this.#queue.then(() => this.#command(line)).catch(() => this.end('421 Internal error'));
    }
    if (this.#buffer.length > this.#deps.limits.maxLineBytes) {
      this.#buffer = '';
      this.end(`500 Command line too long (at most ${this.#deps.limits.maxLineBytes} bytes)`);
    }
  };

  #touch(): void {
    clearTimeout(this.#idle);
    this.#idle = setTimeout(
      () => this.end(`421 No command for ${Math.round(this.#deps.limits.idleTimeoutMs / 1000)} s: closing`),
      this.#deps.limits.idleTimeoutMs,
    );
    this.#idle.unref();
  }

  #reply(code: number, message: string): void {
    if (this.#ended) return;
    const lines = message.split('\n');
    const text =
      lines.length === 1
        ? `${code} ${message}\r\n`
        : [
            `${code}-${lines[0]}`,
            ...lines.slice(1, -1).map((l) => ` ${l.trimStart()}`),
            `${code} ${lines.at(-1)}`,
          ].join('\r\n') + '\r\n';
    this.#socket.write(text);
  }

  /** Says `line` (a whole reply) and closes the connection. */
  end(line: string): void {
    if (this.#ended) return;
    this.#socket.end(line + '\r\n');
    this.#ended = true;
    setTimeout(() => this.#socket.destroy(), 1000).unref();
    this.#cleanup();
  }

  #cleanup(): void {
    this.#ended = true;
    clearTimeout(this.#idle);
    this.#passive?.close();
    this.#passive = undefined;
    this.#markClosed();
  }

  async #command(line: string): Promise<void> {
    if (this.#ended) return;
    this.#touch();
    const space = line.indexOf(' ');
    const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const argument = space < 0 ? '' : line.slice(space + 1);
    if (verb === '') return;
    if (this.#account === undefined && !BEFORE_LOGIN.has(verb)) {
      this.#reply(530, 'Log in first (USER and PASS)');
      return;
    }
    const refusal = READ_ONLY_REFUSALS[verb];
    if (refusal) {
      this.#reply(verb === 'PORT' || verb === 'EPRT' || verb === 'REST' ? 502 : 550, refusal);
      return;
    }
    switch (verb) {
      case 'USER':
        return this.#userCommand(argument);
      case 'PASS':
        return this.#passCommand(argument);
      case 'AUTH':
        return this.#authCommand(argument);
      case 'PBSZ':
        return this.#reply(this.#secure ? 200 : 503, this.#secure ? 'PBSZ=0' : 'AUTH TLS first');
      case 'PROT':
        return this.#protCommand(argument);
      case 'FEAT':
        return this.#reply(
          211,
          [
            'Features:',
            ...(this.#deps.secureContext ? [' AUTH TLS', ' PBSZ', ' PROT'] : []),
            ' EPSV',
            ' PASV',
            ' SIZE',
            ' MDTM',
            ' MLST type*;size*;modify*;',
            ' UTF8',
            'End',
          ].join('\n'),
        );
      case 'SYST':
        return this.#reply(215, 'UNIX Type: L8');
      case 'OPTS':
        return /^UTF8( ON)?$/i.test(argument.trim())
          ? this.#reply(200, 'UTF-8 is always on')
          : this.#reply(501, 'Only OPTS UTF8 ON is known');
      case 'NOOP':
        return this.#reply(200, 'OK');
      case 'HELP':
        return this.#reply(
          214,
          'Upload one ZIP per payment into /: STOR <mer_reference_id><mer_date><4-digit sequence>.zip; ' +
            'LIST shows your uploads',
        );
      case 'QUIT':
        return this.end('221 Goodbye');
      case 'PWD':
      case 'XPWD':
        return this.#reply(257, '"/" is your folder');
      case 'CWD':
      case 'XCWD':
        return ['/', '.', './', ''].includes(argument.trim())
          ? this.#reply(250, 'Your folder is /')
          : this.#reply(550, 'There are no other folders: your folder is /');
      case 'CDUP':
      case 'XCUP':
        return this.#reply(550, 'Your folder is /: there is nothing above it');
      case 'TYPE':
        return /^(I|A|A N|L 8)$/i.test(argument.trim())
          ? this.#reply(200, `Type set to ${argument.trim().toUpperCase()} (files are kept byte for byte)`)
          : this.#reply(504, 'TYPE I or A only');
      case 'MODE':
        return argument.trim().toUpperCase() === 'S'
          ? this.#reply(200, 'Mode S')
          : this.#reply(504, 'Only stream mode (MODE S)');
      case 'STRU':
        return argument.trim().toUpperCase() === 'F'
          ? this.#reply(200, 'Structure F')
          : this.#reply(504, 'Only file structure (STRU F)');
      case 'ALLO':
        return this.#reply(202, 'No storage allocation needed');
      case 'ABOR':
        this.#passive?.close();
        this.#passive = undefined;
        return this.#reply(226, 'Nothing to abort');
      case 'PASV':
        return this.#pasvCommand(false);
      case 'EPSV':
        return argument.trim().toUpperCase() === 'ALL' ? this.#reply(200, 'EPSV ALL ok') : this.#pasvCommand(true);
      case 'LIST':
      case 'NLST':
      case 'MLSD':
        return this.#listCommand(verb, argument);
      case 'SIZE':
      case 'MDTM':
        return this.#fileFactCommand(verb, argument);
      case 'STOR':
        return this.#storCommand(argument);
      default:
        return this.#reply(502, `${verb} is not offered here`);
    }
  }

  #userCommand(user: string): void {
    if (this.#deps.secureContext && !this.#secure) {
      this.#reply(530, 'TLS is required: send AUTH TLS before logging in');
      return;
    }
    if (this.#account !== undefined) {
      this.#reply(503, 'Already logged in');
      return;
    }
    this.#user = user.trim();
    this.#reply(331, 'Password please');
  }

  async #passCommand(password: string): Promise<void> {
    if (this.#deps.secureContext && !this.#secure) {
      this.#reply(530, 'TLS is required: send AUTH TLS before logging in');
      return;
    }
    if (this.#account !== undefined) return this.#reply(503, 'Already logged in');
    const user = this.#user;
    if (user === undefined) return this.#reply(503, 'USER first');
    this.#user = undefined;
    const { throttle, limits, backend, log } = this.#deps;
    const blocked = throttle.blockedFor(this.#peer, Date.now());
    if (blocked > 0) {
      return this.end(
        `421 Too many failed logins from ${this.#peer}: try again in ${Math.ceil(blocked / 60_000)} minute(s)`,
      );
    }
    const account = user === '' ? undefined : await backend.login(user, password);
    if (account === undefined) {
      throttle.failed(this.#peer, Date.now());
      this.#failures += 1;
      log?.warn({ ftp: { user, address: this.#peer } }, 'FTP login failed');
      await new Promise((resolve) => setTimeout(resolve, limits.loginFailureDelayMs));
      if (this.#failures >= limits.loginAttemptsPerConnection) return this.end('530 Login incorrect: closing');
      return this.#reply(530, 'Login incorrect');
    }
    throttle.succeeded(this.#peer);
    this.#account = account;
    log?.info({ ftp: { user, address: this.#peer } }, 'FTP login');
    this.#reply(230, 'Logged in: your folder is /');
  }

  #authCommand(argument: string): void {
    const mechanism = argument.trim().toUpperCase();
    if (!this.#deps.secureContext) return this.#reply(502, 'TLS is not configured on this server');
    if (mechanism !== 'TLS' && mechanism !== 'TLS-C' && mechanism !== 'SSL') return this.#reply(504, 'AUTH TLS only');
    if (this.#secure) return this.#reply(503, 'TLS is already on');
    const plain = this.#socket;
    this.#reply(234, 'AUTH TLS ok: starting TLS');
    // Nothing sent in clear after AUTH counts (a command slipped in before the handshake is dropped).
    plain.off('data', this.#onData);
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    plain.on('error', () => {});
    this.#buffer = '';
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.#deps.secureContext });
    this.#socket = secure;
    this.#attach(secure);
  }

  #protCommand(argument: string): void {
    const level = argument.trim().toUpperCase();
    if (!this.#secure) return this.#reply(503, 'AUTH TLS first');
    if (level === 'P') {
      this.#protectData = true;
      return this.#reply(200, 'Data connections are protected (TLS)');
    }
    if (level === 'C') return this.#reply(536, 'Data connections must be protected too: PROT P');
    this.#reply(504, 'PROT P only');
  }

  async #pasvCommand(extended: boolean): Promise<void> {
    if (this.#deps.secureContext && !this.#protectData)
      return this.#reply(521, 'PROT P first: data connections must be protected');
    this.#passive?.close();
    this.#passive = undefined;
    const local = bareAddress(this.#socket.localAddress);
    const announced = this.#deps.pasvAddress ?? local;
    if (!extended && !isIPv4(announced)) return this.#reply(425, 'PASV needs IPv4: use EPSV');
    const port = await PassivePort.open(
      local,
      this.#deps.pasvPorts,
      this.#peer,
      this.#protectData ? this.#deps.secureContext : undefined,
      this.#deps.limits.dataTimeoutMs,
    );
    if (this.#ended) {
      port?.close();
      return;
    }
    if (!port) return this.#reply(425, 'No passive port is free: try again shortly');
    this.#passive = port;
    if (extended) return this.#reply(229, `Entering Extended Passive Mode (|||${port.port}|)`);
    const p = port.port;
    this.#reply(227, `Entering Passive Mode (${announced.split('.').join(',')},${p >> 8},${p & 255})`);
  }

  /** The data connection of the last PASV/EPSV, or undefined after a 425 reply. */
  async #dataConnection(): Promise<Socket | undefined> {
    const passive = this.#passive;
    this.#passive = undefined;
    if (!passive) {
      this.#reply(425, 'Use PASV or EPSV first');
      return undefined;
    }
    try {
      return await passive.connection();
    } catch {
      passive.close();
      this.#reply(425, 'No data connection arrived');
      return undefined;
    }
  }

  async #listCommand(verb: string, argument: string): Promise<void> {
    const target = argument
      .split(' ')
      .filter((a) => a !== '' && !a.startsWith('-'))
      .join(' ');
    const files = await this.#deps.backend.list(this.#account as A);
    let shown: readonly FtpFile[] = files;
    if (target !== '' && !['/', '.', './'].includes(target)) {
      const named = fileNameOf(target);
      shown = 'name' in named ? files.filter((f) => f.name === named.name) : [];
      if (verb === 'MLSD') {
        this.#passive?.close();
        this.#passive = undefined;
        return this.#reply(501, 'MLSD lists folders: your folder is /');
      }
    }
    const data = await this.#dataConnection();
    if (!data) return;
    this.#reply(150, `Listing ${shown.length} file(s)`);
    const lines = shown.map((f) =>
      verb === 'NLST'
        ? f.name
        : verb === 'MLSD'
          ? `type=file;size=${f.size};modify=${factTime(f.modifiedAt)}; ${f.name}`
          : listLine(f),
    );
    const body = lines.length ? lines.join('\r\n') + '\r\n' : '';
    await new Promise<void>((resolve) => {
      data.once('close', () => resolve());
      data.once('error', () => resolve());
      data.end(body);
    });
    this.#reply(226, 'Listed');
  }

  async #fileFactCommand(verb: string, argument: string): Promise<void> {
    const named = fileNameOf(argument.trim());
    if ('refusal' in named) return this.#reply(553, named.refusal);
    const file = (await this.#deps.backend.list(this.#account as A)).find((f) => f.name === named.name);
    if (!file) return this.#reply(550, `No file ${named.name} in your folder`);
    this.#reply(213, verb === 'SIZE' ? String(file.size) : factTime(file.modifiedAt));
  }

  async #storCommand(argument: string): Promise<void> {
    const named = fileNameOf(argument);
    const { backend, limits, log } = this.#deps;
    const refuse = (reply: FtpReply) => {
      this.#passive?.close();
      this.#passive = undefined;
      this.#reply(reply.code, reply.message);
    };
    if ('refusal' in named) return refuse({ code: 553, message: named.refusal });
    const account = this.#account as A;
    const early = await backend.checkUpload(account, named.name);
    if (early) return refuse(early);
    const data = await this.#dataConnection();
    if (!data) return;
    this.#reply(150, `Ready for ${named.name}`);
    const received = await receive(data, limits.maxUploadBytes, limits.dataTimeoutMs);
    if (received.problem !== undefined) {
      return received.problem === 'too_large'
        ? this.#reply(
            552,
            `Refused: the file is larger than the limit of ${limits.maxUploadBytes} bytes; nothing was kept`,
          )
        : this.#reply(426, 'The data connection broke: nothing was kept');
    }
    const reply = await backend.upload(account, named.name, received.data);
    log?.info({ ftp: { file: named.name, bytes: received.data.length, code: reply.code } }, 'FTP upload');
    this.#reply(reply.code, reply.message);
  }
}

/** Reads a data connection to its end, at most `max` bytes. */
function receive(
  socket: Socket,
  max: number,
  stallMs: number,
): Promise<{ problem?: undefined; data: Buffer } | { problem: 'too_large' | 'aborted' }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: { problem?: undefined; data: Buffer } | { problem: 'too_large' | 'aborted' }) => {
      if (done) return;
      done = true;
      socket.setTimeout(0);
      resolve(result);
    };
    socket.setTimeout(stallMs, () => {
      socket.destroy();
      finish({ problem: 'aborted' });
    });
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        socket.destroy();
        finish({ problem: 'too_large' });
        return;
      }
      chunks.push(chunk);
    });
    socket.once('end', () => {
      finish({ data: Buffer.concat(chunks) });
      socket.end();
    });
    socket.once('error', () => finish({ problem: 'aborted' }));
    socket.once('close', () => finish({ problem: 'aborted' }));
  });
}
