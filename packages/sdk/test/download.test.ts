// SignedDownload on in-memory bodies signed with a real RSA key: lines and UTF-8 split across chunks,
// a bad or missing Signature header, a body that fails mid-way, an early break, and saveTo() leaving
// no file behind (nor a .part) whenever the download is not verified.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createSign } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignedDownload } from '../src/download.ts';
import { UmfSignatureVerificationError } from '../src/errors.ts';
import { UmfClient } from '../src/index.ts';
import type { FetchLike } from '../src/index.ts';
import { makeTestKeys } from './helpers/keys.ts';

const keys = makeTestKeys();
const dir = mkdtempSync(join(tmpdir(), 'umf-sdk-download-'));
test.after(() => {
  keys.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const enc = new TextEncoder();

function sign(bytes: Uint8Array): string {
  return createSign('sha256').update(bytes).sign(keys.platformPrivateKey).toString('base64');
}

interface Body {
  stream: ReadableStream<Uint8Array>;
  cancelled: () => boolean;
}

/** A body delivering `chunks` one per pull (after a macrotask), then failing with `fail` if given. */
function body(chunks: Uint8Array[], fail?: Error): Body {
  let i = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((r) => setImmediate(r));
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else if (fail) controller.error(fail);
      else controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

/** `bytes` cut at the given offsets. */
function cut(bytes: Uint8Array, ...at: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (const to of [...at, bytes.length]) {
    out.push(bytes.subarray(from, to));
    from = to;
  }
  return out;
}

function download(b: Body, signature: string | null, done?: () => void): SignedDownload {
  return new SignedDownload({
    body: b.stream,
    signature,
    filename: 'trans.txt',
    platformPublicKey: keys.platformPrivateKey,
    operation: 'transactions.download',
    requestId: 'req-1',
    onDone: done,
  });
}

const FILE = 'TRANSDETAIL-START,MER_1,20261122\r\nPAY_A,商户订单,712.48\nlast line without newline';
const BYTES = enc.encode(FILE);
// inside the CRLF, just after it, and inside the 3-byte UTF-8 of 商
const SPLIT_AT = [3, BYTES.indexOf(0x0a), BYTES.indexOf(0x0a) + 1, BYTES.indexOf(0xe5) + 1, BYTES.indexOf(0xe5) + 2];

test(
  'lines: lines and multi-byte characters split across chunks come out whole, ' + 'CRLF trimmed, then verified',
  async () => {
    let done = 0;
    const b = body(cut(BYTES, ...SPLIT_AT));
    const lines: string[] = [];
    for await (const line of download(b, sign(BYTES), () => done++)) lines.push(line);
    assert.deepEqual(lines, ['TRANSDETAIL-START,MER_1,20261122', 'PAY_A,商户订单,712.48', 'last line without newline']);
    assert.equal(done, 1, 'onDone once the body is consumed');
  },
);

test('text: the whole file once verified; a signature with line breaks in its base64 is accepted', async () => {
  const sig = sign(BYTES).replace(/(.{64})/g, '$1\n');
  assert.equal(await download(body(cut(BYTES, ...SPLIT_AT)), sig).text(), FILE);
});

test('a file that does not match its signature: the lines arrive, then UmfSignatureVerificationError', async () => {
  let done = 0;
  const altered = enc.encode(FILE.replace('712.48', '999.99'));
  const lines: string[] = [];
  await assert.rejects(
    async () => {
      for await (const line of download(body(cut(altered, 10)), sign(BYTES), () => done++)) lines.push(line);
    },
    (err: unknown) =>
      err instanceof UmfSignatureVerificationError &&
      /does not match its Signature/.test(err.message) &&
      err.requestId === 'req-1',
  );
  assert.deepEqual(
    lines,
    ['TRANSDETAIL-START,MER_1,20261122', 'PAY_A,商户订单,999.99'],
    'the ended lines reached the loop; the unterminated last one waits for the end',
  );
  assert.equal(done, 1);
});

test('a file cut short (truncated body) fails verification', async () => {
  await assert.rejects(
    download(body([BYTES.subarray(0, BYTES.length - 5)]), sign(BYTES)).text(),
    UmfSignatureVerificationError,
  );
});

test('a garbage signature fails verification instead of throwing something else', async () => {
  await assert.rejects(download(body([BYTES]), '!!not base64!!').text(), UmfSignatureVerificationError);
});

test('no Signature header: refused before any line, the body is cancelled and onDone called', async () => {
  let done = 0;
  const b = body([BYTES]);
  const lines: string[] = [];
  await assert.rejects(
    async () => {
      for await (const line of download(b, null, () => done++)) lines.push(line);
    },
    (err: unknown) => err instanceof UmfSignatureVerificationError && /no Signature header/.test(err.message),
  );
  assert.deepEqual(lines, []);
  assert.equal(b.cancelled(), true);
  assert.equal(done, 1);
});

test('a body that fails mid-way: the read error surfaces (not a signature error) and onDone is called', async () => {
  let done = 0;
  const boom = new Error('socket hang up');
  const lines: string[] = [];
  await assert.rejects(
    async () => {
      for await (const line of download(body([BYTES.subarray(0, 40)], boom), sign(BYTES), () => done++))
        lines.push(line);
    },
    (err: unknown) => err === boom,
  );
  assert.deepEqual(lines, ['TRANSDETAIL-START,MER_1,20261122']);
  assert.equal(done, 1);
});

test('breaking out of the loop early cancels the body and calls onDone', async () => {
  let done = 0;
  const b = body(cut(BYTES, 40, 50));
  for await (const line of download(b, sign(BYTES), () => done++)) {
    assert.equal(line, 'TRANSDETAIL-START,MER_1,20261122');
    break;
  }
  assert.equal(b.cancelled(), true);
  assert.equal(done, 1);
});

test('a SignedDownload can be read once', async () => {
  const d = download(body([BYTES]), sign(BYTES));
  assert.equal(await d.text(), FILE);
  await assert.rejects(d.text(), /already read/);
});

test('invalid UTF-8 in lines() is an error, not replacement characters', async () => {
  const bad = new Uint8Array([0x61, 0xff, 0x0a]);
  await assert.rejects(async () => {
    for await (const _ of download(body([bad]), sign(bad)));
  }, TypeError);
});

test('saveTo: a verified file appears under its name with its size, and no .part is left', async () => {
  const path = join(dir, 'ok.txt');
  const saved = await download(body(cut(BYTES, ...SPLIT_AT)), sign(BYTES)).saveTo(path);
  assert.deepEqual(saved, { path, bytes: BYTES.length });
  assert.equal(readFileSync(path, 'utf8'), FILE);
  assert.equal(existsSync(`${path}.part`), false);
});

test('saveTo: a bad signature, a missing one or a body failing mid-way leaves no file and no .part', async () => {
  const cases: Array<[string, SignedDownload, (err: unknown) => boolean]> = [
    [
      'bad.txt',
      download(body(cut(BYTES, 20)), sign(enc.encode('other'))),
      (e) => e instanceof UmfSignatureVerificationError,
    ],
    ['unsigned.txt', download(body([BYTES]), null), (e) => e instanceof UmfSignatureVerificationError],
    [
      'cut.txt',
      download(body(cut(BYTES, 20), new Error('reset')), sign(BYTES)),
      (e) => e instanceof Error && e.message === 'reset',
    ],
  ];
  for (const [name, d, check] of cases) {
    const path = join(dir, name);
    await assert.rejects(d.saveTo(path), check, name);
    assert.equal(existsSync(path), false, name);
    assert.equal(existsSync(`${path}.part`), false, `${name}.part`);
  }
});

test(
  'saveTo into a directory that does not exist rejects before reading the body, ' +
    'which is cancelled (a stalled body does not hang it)',
  async () => {
    let done = 0;
    let cancelled = false;
    const stalled = new ReadableStream<Uint8Array>({
      pull: () => new Promise<void>(() => {}),
      cancel() {
        cancelled = true;
      },
    });
    await assert.rejects(
      download({ stream: stalled, cancelled: () => cancelled }, sign(BYTES), () => done++).saveTo(
        join(dir, 'missing', 'x.txt'),
      ),
      /ENOENT/,
    );
    assert.equal(cancelled, true);
    assert.equal(done, 1);
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.startsWith('missing')),
      [],
    );
  },
);

// ---- through the client: the caller's signal covers the body, and its listener is removed after ----

function clientServing(file: Uint8Array, signature: string): UmfClient {
  const fetch: FetchLike = async (url, init) => {
    if (String(url).includes('/oauth/'))
      return new Response(JSON.stringify({ access_token: 'tok', expires_in: 3600 }), {
        headers: { 'content-type': 'application/json' },
      });
    const signal = init?.signal ?? undefined;
    let sent = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        signal?.addEventListener('abort', () => controller.error(signal.reason), { once: true });
      },
      pull(controller) {
        if (sent) return new Promise<void>(() => {}); // the rest never comes: only an abort ends it
        sent = true;
        controller.enqueue(file.subarray(0, 40));
      },
    });
    return new Response(stream, { headers: { 'content-type': 'text/plain', signature } });
  };
  return new UmfClient({
    baseUrl: 'https://umf.test',
    clientId: 'c',
    clientSecret: 's',
    merchantPrivateKey: keys.merchantKeyP8,
    platformCertificate: keys.platformCertDer,
    fetch,
  });
}

test(
  'client download: aborting mid-body rejects the loop ' + 'with the reason and removes the listener on the signal',
  async () => {
    const ac = new AbortController();
    const file = await clientServing(BYTES, sign(BYTES)).transactions.download(
      { merDate: '20261122' },
      { signal: ac.signal },
    );
    assert.equal(getEventListeners(ac.signal, 'abort').length, 1, 'the signal covers the body while it is read');
    const reason = new Error('user cancelled');
    const lines: string[] = [];
    await assert.rejects(
      async () => {
        for await (const line of file) {
          lines.push(line);
          ac.abort(reason);
        }
      },
      (err: unknown) => err === reason,
    );
    assert.deepEqual(lines, ['TRANSDETAIL-START,MER_1,20261122']);
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
  },
);

test('client download: breaking out early removes the listener on the signal too', async () => {
  const ac = new AbortController();
  const file = await clientServing(BYTES, sign(BYTES)).transactions.download(
    { merDate: '20261122' },
    { signal: ac.signal },
  );
  for await (const _ of file) break;
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
});
