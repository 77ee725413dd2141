/**
 * ftp/ftp-server.ts on its own (a backend in memory, no database): what a client may and may not do,
 * with basic-ftp and with raw commands; the limits (connections per address, throttled logins, idle
 * timeout, upload size, passive port range, data connections from the control connection's address
 * only) and explicit FTPS.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { Client } from 'basic-ftp';
import { FtpServer, type FtpBackend, type FtpFile, type FtpLimits } from '../../src/ftp/ftp-server.ts';
import { download, refused, testCertificate } from '../helpers/b2b-documents.ts';

interface Account {
  readonly user: string;
}

/** Accounts `shop`/`secret`; keeps uploads whose name ends in .zip, refuses `bad*` names. */
function memoryBackend(): FtpBackend<Account> & { files: Map<string, Buffer> } {
  const files = new Map<string, Buffer>();
  return {
    files,
    login: async (user, password) => (user === 'shop' && password === 'secret' ? { user } : undefined),
    list: async () => [...files].map(([name, data]): FtpFile => ({ name, size: data.length, modifiedAt: 0 })),
    checkUpload: async (_a, name) => (name.startsWith('bad') ? { code: 553, message: `Refused: ${name}` } : undefined),
    upload: async (_a, name, data) => {
      if (files.has(name)) return { code: 550, message: 'Refused: exists' };
      files.set(name, data);
      return { code: 226, message: `Accepted ${name}` };
    },
  };
}

async function startServer(
  options: {
    limits?: Partial<FtpLimits>;
    tls?: { cert: string; key: string };
    pasvPorts?: { min: number; max: number };
  } = {},
) {
  const backend = memoryBackend();
  const server = new FtpServer<Account>({
    backend,
    limits: { loginFailureDelayMs: 10, ...options.limits },
    tls: options.tls,
    pasvPorts: options.pasvPorts,
  });
  await server.listen(0, '127.0.0.1');
  return { server, backend, port: server.port };
}

/** A raw control connection: send a command, read its (possibly multi-line) reply. */
async function raw(port: number, localAddress = '127.0.0.1') {
  const socket: Socket = connect({ port, host: '127.0.0.1', localAddress });
  let buffer = '';
  const waiting: Array<(reply: string) => void> = [];
  let closed = false;
  socket.on('data', (d) => {
    buffer += d.toString();
    for (;;) {
      const m = /^(\d{3})( [^\r\n]*\r\n|-[\s\S]*?\r\n\1 [^\r\n]*\r\n)/.exec(buffer);
      if (!m) break;
      buffer = buffer.slice(m[0].length);
      waiting.shift()?.(m[0].trim());
    }
  });
  socket.on('close', () => {
    closed = true;
    for (const w of waiting.splice(0)) w('(closed)');
  });
  socket.on('error', () => {});
  const next = () => new Promise<string>((resolve) => (closed ? resolve('(closed)') : waiting.push(resolve)));
  const greeting = await next();
  return {
    greeting,
    socket,
    next,
    async send(line: string): Promise<string> {
      const reply = next();
      socket.write(line + '\r\n');
      return reply;
    },
    get closed() {
      return closed;
    },
    close: () => socket.destroy(),
  };
}

async function loggedIn(port: number, localAddress?: string) {
  const c = await raw(port, localAddress);
  assert.match(await c.send('USER shop'), /^331/);
  assert.match(await c.send('PASS secret'), /^230/);
  return c;
}

describe('FTP server: one folder, upload only', () => {
  let s: Awaited<ReturnType<typeof startServer>>;
  before(async () => (s = await startServer()));
  after(() => s.server.close());

  test('basic-ftp logs in, uploads, lists; the folder is /', async () => {
    const client = new Client(5000);
    try {
      await client.access({ host: '127.0.0.1', port: s.port, user: 'shop', password: 'secret' });
      assert.equal(await client.pwd(), '/');
      const res = await client.uploadFrom(Readable.from([Buffer.from('PK zip bytes')]), 'ORDER1202612040001.zip');
      assert.equal(res.code, 226);
      assert.deepEqual(
        (await client.list()).map((f) => [f.name, f.size]),
        [['ORDER1202612040001.zip', 12]],
      );
      assert.equal(await client.size('ORDER1202612040001.zip'), 12);
      assert.deepEqual(s.backend.files.get('ORDER1202612040001.zip'), Buffer.from('PK zip bytes'));
    } finally {
      client.close();
    }
  });

  test('delete, rename, append, mkdir, rmdir, download, CWD out and active mode are refused, saying why', async () => {
    const client = new Client(5000);
    try {
      await client.access({ host: '127.0.0.1', port: s.port, user: 'shop', password: 'secret' });
      s.backend.files.set('kept.zip', Buffer.from('x'));
      const del = await refused(client.remove('kept.zip'));
      assert.equal(del.code, 550);
      assert.match(del.message, /cannot be deleted/);
      assert.match((await refused(client.rename('kept.zip', 'other.zip'))).message, /cannot be renamed/);
      assert.match(
        (await refused(client.appendFrom(Readable.from([Buffer.from('y')]), 'kept.zip'))).message,
        /appending is not allowed/,
      );
      assert.match((await refused(client.send('MKD sub'))).message, /directories cannot be made/);
      assert.match((await refused(client.send('RMD sub'))).message, /cannot be removed/);
      assert.match((await refused(download(client, 'kept.zip'))).message, /cannot be downloaded/);
      assert.match((await refused(client.cd('..'))).message, /your folder is \//);
      assert.match((await refused(client.cd('/etc'))).message, /your folder is \//);
      assert.match((await refused(client.send('CDUP'))).message, /nothing above it/);
      assert.equal((await refused(client.send('PORT 127,0,0,1,4,1'))).code, 502);
      assert.equal((await refused(client.send('EPRT |1|127.0.0.1|1025|'))).code, 502);
      assert.match((await refused(client.send('SITE CHMOD 777 kept.zip'))).message, /not offered/);
      assert.deepEqual(s.backend.files.get('kept.zip'), Buffer.from('x'), 'the file is unchanged');
    } finally {
      client.close();
    }
  });

  test('paths are refused before the backend sees them: traversal, absolute paths, directories', async () => {
    const c = await loggedIn(s.port);
    try {
      for (const name of ['../x.zip', '/etc/passwd', 'sub/x.zip', '..', 'a\\b.zip', '/../x.zip']) {
        assert.match(await c.send('EPSV'), /^229/);
        assert.match(await c.send(`STOR ${name}`), /^553 file names only/, name);
      }
      assert.match(await c.send('EPSV'), /^229/);
      assert.match(await c.send('STOR bad-name.zip'), /^553 Refused: bad-name.zip/);
      assert.equal(
        [...s.backend.files.keys()].some((n) => n.includes('/') || n.startsWith('bad')),
        false,
      );
    } finally {
      c.close();
    }
  });

  test('nothing but logging in before login; a wrong password is refused after a delay', async () => {
    const c = await raw(s.port);
    try {
      assert.match(c.greeting, /^220/);
      assert.match(await c.send('LIST'), /^530 Log in first/);
      assert.match(await c.send('STOR x.zip'), /^530 Log in first/);
      assert.match(await c.send('USER shop'), /^331/);
      assert.match(await c.send('PASS wrong'), /^530 Login incorrect/);
      assert.match(await c.send('PASS secret'), /^503 USER first/);
      assert.match(await c.send('FEAT'), /^211-Features:\r\n EPSV\r\n PASV[\s\S]*\r\n211 End$/);
      assert.match(await c.send('AUTH TLS'), /^502 TLS is not configured/);
      assert.match(await c.send('QUIT'), /^221/);
    } finally {
      c.close();
    }
  });

  test('a data connection from another address than the control connection is not used', async () => {
    const c = await loggedIn(s.port);
    try {
      const port = Number(/\|\|\|(\d+)\|/.exec(await c.send('EPSV'))![1]);
      const intruder = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
      const intruderClosed = new Promise<void>((resolve) => intruder.on('close', () => resolve()));
      intruder.on('error', () => {});
      await intruderClosed;
      const data = connect({ port, host: '127.0.0.1' });
      let listing = '';
      data.on('data', (d) => (listing += d.toString()));
      const ended = new Promise<void>((resolve) => data.on('end', () => resolve()));
      assert.match(await c.send('NLST'), /^150/);
      await ended;
      assert.match(await c.next(), /^226/);
      assert.ok(listing.includes('ORDER1202612040001.zip'), listing);
    } finally {
      c.close();
    }
  });
});

describe('FTP server: limits', () => {
  test('failed logins: a connection is closed after 3, an address blocked after the limit', async () => {
    const s = await startServer({ limits: { loginFailuresPerAddress: 4, loginBlockMs: 60_000 } });
    try {
      const c = await raw(s.port, '127.0.0.3');
      for (let i = 0; i < 2; i++) {
        await c.send('USER shop');
        assert.match(await c.send('PASS nope'), /^530 Login incorrect$/);
      }
      await c.send('USER shop');
      assert.match(await c.send('PASS nope'), /^530 Login incorrect: closing/);
      const d = await raw(s.port, '127.0.0.3');
      await d.send('USER shop');
      assert.match(await d.send('PASS nope'), /^530/);
      await d.send('USER shop');
      assert.match(
        await d.send('PASS secret'),
        /^421 Too many failed logins from 127\.0\.0\.3/,
        'even the right password',
      );
      const other = await loggedIn(s.port, '127.0.0.4');
      other.close();
    } finally {
      await s.server.close();
    }
  });

  test('connections per address, idle timeout, command line length', async () => {
    const s = await startServer({ limits: { maxConnectionsPerAddress: 2, idleTimeoutMs: 300, maxLineBytes: 100 } });
    try {
      const a = await raw(s.port, '127.0.0.5');
      const b = await raw(s.port, '127.0.0.5');
      const c = await raw(s.port, '127.0.0.5');
      assert.match(c.greeting, /^421 Too many connections from 127\.0\.0\.5/);
      assert.match(await a.next(), /^421 No command for 0 s: closing|^421 No command/);
      b.close();
      const d = await raw(s.port, '127.0.0.6');
      assert.match(await d.send('NOOP ' + 'x'.repeat(200)), /^500 Command line too long/);
    } finally {
      await s.server.close();
    }
  });

  test('an upload over the size limit is cut and refused, nothing kept', async () => {
    const s = await startServer({ limits: { maxUploadBytes: 1000 } });
    const client = new Client(5000);
    try {
      await client.access({ host: '127.0.0.1', port: s.port, user: 'shop', password: 'secret' });
      const res = await refused(client.uploadFrom(Readable.from([Buffer.alloc(50_000)]), 'big.zip'));
      assert.equal(res.code, 552);
      assert.match(res.message, /larger than the limit of 1000 bytes/);
      assert.equal(s.backend.files.size, 0);
    } finally {
      client.close();
      await s.server.close();
    }
  });

  test('passive ports come from the configured range', async () => {
    const s = await startServer({ pasvPorts: { min: 40711, max: 40713 } });
    try {
      const c = await loggedIn(s.port);
      for (let i = 0; i < 4; i++) {
        const epsv = Number(/\|\|\|(\d+)\|/.exec(await c.send('EPSV'))![1]);
        assert.ok(epsv >= 40711 && epsv <= 40713, `EPSV port ${epsv}`);
        const pasv = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(await c.send('PASV'))!;
        assert.equal(pasv.slice(1, 5).join('.'), '127.0.0.1');
        const port = Number(pasv[5]) * 256 + Number(pasv[6]);
        assert.ok(port >= 40711 && port <= 40713, `PASV port ${port}`);
      }
      c.close();
    } finally {
      await s.server.close();
    }
  });
});

describe('FTP server: explicit FTPS', () => {
  const certificate = testCertificate();
  let s: Awaited<ReturnType<typeof startServer>>;
  before(async () => (s = await startServer({ tls: certificate })));
  /** basic-ftp logged in as `shop` over explicit TLS, trusting the test certificate. */
  async function tlsClient(port: number): Promise<Client> {
    const client = new Client(5000);
    try {
      await client.access({
        host: '127.0.0.1',
        port,
        user: 'shop',
        password: 'secret',
        secure: true,
        secureOptions: { ca: certificate.cert, servername: 'localhost' },
      });
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }
  after(() => s.server.close());

  test('basic-ftp with secure: true uploads and lists over TLS (control and data)', async () => {
    const client = await tlsClient(s.port);
    try {
      const res = await client.uploadFrom(Readable.from([Buffer.from('secret documents')]), 'TLS1202612040001.zip');
      assert.equal(res.code, 226);
      assert.deepEqual(
        (await client.list()).map((f) => f.name),
        ['TLS1202612040001.zip'],
      );
      assert.deepEqual(s.backend.files.get('TLS1202612040001.zip'), Buffer.from('secret documents'));
    } finally {
      client.close();
    }
  });

  test('without TLS: USER and PASS refused; PROT C refused; no data connection before PROT P', async () => {
    const c = await raw(s.port);
    try {
      assert.match(c.greeting, /AUTH TLS required/);
      assert.match(await c.send('USER shop'), /^530 TLS is required/);
      assert.match(await c.send('PASS secret'), /^530 TLS is required/);
      assert.match(await c.send('PROT P'), /^503 AUTH TLS first/);
    } finally {
      c.close();
    }
    const client = await tlsClient(s.port);
    try {
      assert.equal((await refused(client.send('PROT C'))).code, 536);
    } finally {
      client.close();
    }
  });
});
