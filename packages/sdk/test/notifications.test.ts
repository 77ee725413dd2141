import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  UmfClient,
  UmfSignatureVerificationError,
  notificationReply,
  signTestNotification,
  verifyNotification,
} from '../src/index.ts';
import type { UmfNotification } from '../src/index.ts';
import { makeTestKeys } from './helpers/keys.ts';
import type { TestKeys } from './helpers/keys.ts';

let keys: TestKeys;
before(() => {
  keys = makeTestKeys();
});
after(() => keys.cleanup());

const payment = {
  id: 'PAY_000123',
  state: 'TRADE_SUCCESS',
  order: {
    mer_reference_id: 'ORDER1',
    mer_date: '20240101',
    amount: { total: '100.02', currency: 'USD', total_cny: '690.37' },
  },
  notify_url: 'https://merchant.example/notify',
};

/** What the platform sends: its own signature over the raw body (computed here independently of the SDK). */
function platformNotification(payload: unknown, pretty = false): { body: string; signature: string } {
  const body = pretty ? JSON.stringify(payload, null, 2) : JSON.stringify(payload);
  return { body, signature: sign('sha256', Buffer.from(body, 'utf8'), keys.platformPrivateKey).toString('base64') };
}

test('verifyNotification: a genuine payment notification is parsed into a typed event', () => {
  const { body, signature } = platformNotification({ payment });
  for (const rawBody of [body, Buffer.from(body, 'utf8')]) {
    for (const cert of [keys.platformCertPem, keys.platformCertDer]) {
      const event = verifyNotification({ rawBody, signature, platformCertificate: cert });
      assert.equal(event.type, 'payment');
      if (event.type === 'payment') {
        assert.equal(event.payment.id, 'PAY_000123');
        assert.equal(event.payment.state, 'TRADE_SUCCESS');
        assert.equal(event.payment.order.amount.total, '100.02');
      }
    }
  }
  // Pretty-printed bodies verify too, as long as the raw bytes are used.
  const pretty = platformNotification({ payment }, true);
  assert.equal(
    verifyNotification({ ...pretty, rawBody: pretty.body, platformCertificate: keys.platformCertPem }).type,
    'payment',
  );
  // Header arrays (node's IncomingHttpHeaders for repeated headers) are accepted.
  assert.equal(
    verifyNotification({ rawBody: body, signature: [signature], platformCertificate: keys.platformCertPem }).type,
    'payment',
  );
});

test('verifyNotification: refund, customs declaration and unknown events', () => {
  const cases: Array<[unknown, UmfNotification['type']]> = [
    [{ refund: { id: 'REF_1', state: 'REFUND_SUCCESS', parent_payment: 'PAY_1' } }, 'refund'],
    [{ customs_declaration: { id: 'CUS_1', state: 'SUCCESS' } }, 'customs_declaration'],
    [{ something_new: { id: 'X' } }, 'unknown'],
  ];
  for (const [payload, type] of cases) {
    const n = platformNotification(payload);
    const event = verifyNotification({
      rawBody: n.body,
      signature: n.signature,
      platformCertificate: keys.platformCertPem,
    });
    assert.equal(event.type, type);
    if (event.type === 'refund') assert.equal(event.refund.parent_payment, 'PAY_1');
    if (event.type === 'customs_declaration') assert.equal(event.customs_declaration.id, 'CUS_1');
  }
});

test('verifyNotification: a tampered notification is rejected', () => {
  const { body, signature } = platformNotification({ payment });
  assert.throws(
    () =>
      verifyNotification({
        rawBody: body.replace('TRADE_SUCCESS', 'TRADE_FAIL'),
        signature,
        platformCertificate: keys.platformCertPem,
      }),
    UmfSignatureVerificationError,
  );
  assert.throws(
    () =>
      verifyNotification({
        rawBody: body.replace('100.02', '1.02'),
        signature,
        platformCertificate: keys.platformCertPem,
      }),
    UmfSignatureVerificationError,
  );
  // Signed by someone else.
  const forged = { body, signature: sign('sha256', Buffer.from(body), keys.merchantPrivateKey).toString('base64') };
  assert.throws(
    () =>
      verifyNotification({
        rawBody: forged.body,
        signature: forged.signature,
        platformCertificate: keys.platformCertPem,
      }),
    UmfSignatureVerificationError,
  );
});

test('verifyNotification: messages explain the fix (re-serialised body, parsed object, missing header)', () => {
  const pretty = platformNotification({ payment }, true);
  // The classic mistake: the framework parsed the JSON and the handler re-serialised it.
  const reserialised = JSON.stringify(JSON.parse(pretty.body));
  assert.throws(
    () =>
      verifyNotification({
        rawBody: reserialised,
        signature: pretty.signature,
        platformCertificate: keys.platformCertPem,
      }),
    (err: unknown) =>
      err instanceof UmfSignatureVerificationError &&
      /RAW request body/.test(err.message) &&
      /JSON\.stringify/.test(err.message),
  );
  assert.throws(
    () =>
      verifyNotification({
        rawBody: JSON.parse(pretty.body),
        signature: pretty.signature,
        platformCertificate: keys.platformCertPem,
      }),
    (err: unknown) => err instanceof UmfSignatureVerificationError && /got object/.test(err.message),
  );
  assert.throws(
    () => verifyNotification({ rawBody: pretty.body, signature: undefined, platformCertificate: keys.platformCertPem }),
    (err: unknown) => err instanceof UmfSignatureVerificationError && /no Signature header/.test(err.message),
  );
  const other = makeTestKeys();
  try {
    assert.throws(
      () =>
        verifyNotification({
          rawBody: pretty.body,
          signature: pretty.signature,
          platformCertificate: other.platformCertPem,
        }),
      (err: unknown) => err instanceof UmfSignatureVerificationError && /platformCertificate/.test(err.message),
    );
  } finally {
    other.cleanup();
  }
});

test('signTestNotification round trip (object and string payloads, PEM and KeyObject keys)', () => {
  const a = signTestNotification({ payload: { payment }, platformPrivateKey: keys.platformKeyPem });
  assert.equal(a.body, JSON.stringify({ payment }));
  const ev = verifyNotification({ rawBody: a.body, signature: a.signature, platformCertificate: keys.platformCertPem });
  assert.equal(ev.type === 'payment' && ev.payment.id, 'PAY_000123');
  const raw = '{ "payment": { "id": "PAY_9", "state": "TRADE_FAIL" } }';
  const b = signTestNotification({ payload: raw, platformPrivateKey: keys.platformPrivateKey });
  assert.equal(b.body, raw);
  assert.equal(
    verifyNotification({ rawBody: b.body, signature: b.signature, platformCertificate: keys.platformCertDer }).type,
    'payment',
  );
  // Same signature as the platform would compute.
  assert.equal(a.signature, platformNotification({ payment }).signature);
});

test('notificationReply: JSON meta reply, failure reply, text reply', () => {
  const ok = notificationReply();
  assert.equal(ok.statusCode, 200);
  assert.match(ok.contentType, /^application\/json/);
  assert.equal(ok.body, '{"meta":{"ret_code":"0000","ret_msg":"success"}}');
  const fail = notificationReply(false, 'db down');
  assert.equal(fail.statusCode, 500);
  assert.deepEqual(JSON.parse(fail.body), { meta: { ret_code: '9999', ret_msg: 'db down' } });
  const text = notificationReply(true, undefined, 'text');
  assert.equal(text.body, 'ret_code=0000&ret_msg=success');
  assert.match(text.contentType, /^text\/plain/);
});

test('end to end: a merchant http server verifies a notification and replies', async () => {
  const client = new UmfClient({
    baseUrl: 'http://127.0.0.1:1/cberest/v1',
    clientId: 'c',
    clientSecret: 's',
    merchantPrivateKey: keys.merchantKeyP8,
    platformCertificate: keys.platformCertPem,
  });
  const received: UmfNotification[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let reply;
      try {
        received.push(
          client.notifications.verify({ rawBody: Buffer.concat(chunks), signature: req.headers['signature'] }),
        );
        reply = client.notifications.reply(true);
      } catch {
        reply = client.notifications.reply(false, 'bad signature');
      }
      res.writeHead(reply.statusCode, { 'Content-Type': reply.contentType });
      res.end(reply.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  try {
    const n = platformNotification({ payment });
    const good = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Signature: n.signature },
      body: n.body,
    });
    assert.equal(good.status, 200);
    assert.deepEqual(await good.json(), { meta: { ret_code: '0000', ret_msg: 'success' } });
    const bad = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Signature: n.signature },
      body: n.body.replace('TRADE_SUCCESS', 'TRADE_CLOSED'),
    });
    assert.equal(bad.status, 500);
    assert.equal(((await bad.json()) as { meta: { ret_code: string } }).meta.ret_code, '9999');
    assert.equal(received.length, 1);
    assert.equal(received[0]?.type, 'payment');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
