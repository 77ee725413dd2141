/**
 * `umf-gateway listen --forward-to URL` (developer-experience issue, build item 5): a gateway that
 * cannot reach the merchant's machine hands the merchant's notifications to the listener the CLI
 * connected, which POSTs them, exact body and Signature, to a local server and reports its answer;
 * the gateway records that answer as the attempt (delivered on an acknowledgement, retried on the
 * backoff otherwise). Run in-process through the command's exported `listen`.
 *
 * The gateway's outbound policy refuses loopback addresses here (only 127.0.0.9, the unreachable
 * notify_url, is allowed): the local server on 127.0.0.1 is reached all the same, since the CLI, not
 * the gateway, calls it.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyNotification } from 'umf-sdk';
import { startHarness, type Harness, type TestMerchant } from '../helpers/gateway-harness.ts';
import { startMerchantServer, type MerchantServer } from '../helpers/merchant-server.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';
import { paidWalletPaymentNotifying } from '../helpers/refunds.ts';
import { listen } from '../../src/cli/listen-command.ts';
import type { OutboxEntry } from '../../src/notifications/outbox-repository.ts';

/** Nothing listens there (port 9, on an address the policy allows): a delivery to it fails. */
const UNREACHABLE_NOTIFY_URL = 'http://127.0.0.9:9/notify';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

interface Running {
  readonly out: string[];
  readonly err: string[];
  readonly done: Promise<number>;
  stop(): Promise<number>;
}

/** `listen` in this process, resolved once the gateway said ready. */
async function startListen(h: Harness, m: TestMerchant, forwardTo: string): Promise<Running> {
  const controller = new AbortController();
  const out: string[] = [];
  const err: string[] = [];
  let ready!: () => void;
  const readyNow = new Promise<void>((resolve) => (ready = resolve));
  const done = listen(
    {
      gatewayUrl: h.baseUrl,
      forwardTo,
      clientId: m.clientId,
      clientSecret: m.clientSecret,
      signal: controller.signal,
      onReady: () => ready(),
    },
    { out: (s) => out.push(s), err: (s) => err.push(s) },
  );
  await Promise.race([
    readyNow,
    done.then((code) => Promise.reject(new Error(`listen ended ${code}: ${err.join('')}`))),
  ]);
  return {
    out,
    err,
    done,
    stop: () => {
      controller.abort();
      return done;
    },
  };
}

/** A WeChat QR payment paid on the sandbox (its TRADE_SUCCESS notification follows). */
async function paidPayment(h: Harness, m: TestMerchant, beforePay?: (paymentId: string) => void): Promise<string> {
  return paidWalletPaymentNotifying(h, m, UNREACHABLE_NOTIFY_URL, { beforePay });
}

for (const kind of testDatabaseUrls()) {
  describe(`umf-gateway listen --forward-to (${kind.name})`, () => {
    let h: Harness;
    let local: MerchantServer;
    before(async () => {
      h = await startHarness(kind, { outbound: { allowPrivate: false, allow: ['127.0.0.9'] } });
      local = await startMerchantServer(h.gateway.context.platform.certificatePem);
    });
    after(async () => {
      await local?.close();
      await h?.close();
    });
    const entriesOf = (paymentId: string): Promise<OutboxEntry[]> =>
      h.gateway.context.repositories.outbox.forObject(paymentId);

    test(
      "a payment's notification reaches the local server with the platform's signature, " +
        'and the gateway records it delivered',
      async () => {
        assert.ok(
          h.gateway.context.outbound.staticRefusal(new URL(local.notifyUrl)),
          "the gateway's own policy refuses the local server's address",
        );
        const m = await h.merchant();
        const running = await startListen(h, m, local.notifyUrl);
        try {
          assert.equal(h.gateway.listeners.has(m.id), true);
          const paymentId = await paidPayment(h, m);
          const delivery = await local.waitForPayment(paymentId, { state: 'TRADE_SUCCESS' });
          // The server verified it with the SDK (merchant-server.ts); check the bytes once more here.
          const event = verifyNotification({
            rawBody: delivery.rawBody,
            signature: delivery.signature,
            platformCertificate: h.platformCert,
          });
          assert.equal(event.type === 'payment' && event.payment.id, paymentId);
          assert.deepEqual(local.rejected, [], 'every forwarded notification verified');

          const [entry] = await until('the notification delivered', async () => {
            const entries = await entriesOf(paymentId);
            return entries.length > 0 && entries.every((e) => e.state === 'delivered') ? entries : undefined;
          });
          assert.equal(entry!.url, UNREACHABLE_NOTIFY_URL, 'notify_url stays what the merchant gave');
          const attempts = await h.gateway.context.repositories.outbox.attempts(entry!.id);
          assert.deepEqual(
            attempts.map((a) => [a.outcome, a.httpStatus]),
            [['delivered', 200]],
            'one attempt, through the listener: notify_url was never tried',
          );
          assert.equal(delivery.rawBody, entry!.body, 'the exact stored body');
          assert.equal(delivery.signature, entry!.signature, 'under the stored Signature');
          const line = new RegExp(`^--> ${entry!.id} payment ${paymentId} 200 OK \\d+ ms$`, 'm');
          assert.match(running.out.join(''), line);
        } finally {
          assert.equal(await running.stop(), 0, 'Ctrl-C ends listen with 0');
        }
        await until('the listener gone', async () => (h.gateway.listeners.has(m.id) ? undefined : true));
      },
    );

    test(
      "the local server's failure is the attempt's: retried on the backoff through the listener; " +
        'once the listener is gone, notify_url is tried again',
      async () => {
        const m = await h.merchant();
        const running = await startListen(h, m, local.notifyUrl);
        let entry: OutboxEntry;
        try {
          const paymentId = await paidPayment(h, m, (id) => local.failNext(1, id));
          entry = (
            await until('a failed attempt', async () => {
              const entries = await entriesOf(paymentId);
              return entries.find((e) => e.lastError !== null) ? entries : undefined;
            })
          ).find((e) => e.lastError !== null)!;
          assert.equal(entry.state, 'pending');
          assert.equal(entry.lastError, 'HTTP 500');
          assert.match(
            running.out.join(''),
            new RegExp(`^--> ${entry.id} payment ${paymentId} 500 Internal Server`, 'm'),
          );
          h.clock.advance(11_000); // past the first retry (10 s + 10 % jitter at most)
          await until('the retry delivered', async () =>
            (await h.gateway.context.repositories.outbox.find(entry.id))?.state === 'delivered' ? true : undefined,
          );
          const attempts = await h.gateway.context.repositories.outbox.attempts(entry.id);
          assert.deepEqual(
            attempts.map((a) => [a.outcome, a.httpStatus]),
            [
              ['http_error', 500],
              ['delivered', 200],
            ],
          );
        } finally {
          await running.stop();
        }
        await until('the listener gone', async () => (h.gateway.listeners.has(m.id) ? undefined : true));
        // Without a listener the worker POSTs to notify_url, which nobody answers.
        await h.gateway.context.store.write((trx) =>
          h.gateway.context.repositories.outbox.redeliver(trx, entry.id, h.clock.now()),
        );
        const attempts = await until('an attempt at notify_url', async () => {
          const list = await h.gateway.context.repositories.outbox.attempts(entry.id);
          return list.length === 3 ? list : undefined;
        });
        assert.equal(attempts[2]!.outcome, 'network_error');
        assert.match(attempts[2]!.error ?? '', /ECONNREFUSED/);
      },
    );

    test('a local server that is down: the listener reports the error, recorded as a network error', async () => {
      const m = await h.merchant();
      const down = await startMerchantServer(h.platformCert);
      const downUrl = down.notifyUrl;
      await down.close();
      const running = await startListen(h, m, downUrl);
      try {
        const paymentId = await paidPayment(h, m);
        const entry = await until('a failed attempt', async () =>
          (await entriesOf(paymentId)).find((e) => e.lastError !== null),
        );
        const [attempt] = await h.gateway.context.repositories.outbox.attempts(entry.id);
        assert.equal(attempt!.outcome, 'network_error');
        assert.equal(attempt!.error, `listener: ${downUrl}: ECONNREFUSED`);
        assert.match(
          running.out.join(''),
          new RegExp(`^--> ${entry.id} payment ${paymentId} error: .*ECONNREFUSED`, 'm'),
        );
      } finally {
        await running.stop();
      }
    });

    test('the endpoints answer with the catalogue: no token, a wrong listener key, a bad report', async () => {
      const stream = await fetch(`${h.baseUrl}/listen/v1/notifications`);
      assert.equal(stream.status, 401);
      const noToken = await stream.text();
      assert.equal(JSON.parse(noToken).meta.ret_code, '00280703');
      assert.ok(h.verifies(noToken), 'signed');

      const m = await h.merchant();
      const token = await h.token(m);
      // node:http, so that the stream's socket is ours to end.
      const { status, type, first, end } = await new Promise<{
        status: number;
        type: string;
        first: string;
        end: () => void;
      }>((resolve, reject) => {
        const req = http.get(`${h.baseUrl}/listen/v1/notifications`, { headers: { authorization: `Bearer ${token}` } });
        req.on('error', reject);
        req.on('response', (res) => {
          res.once('data', (chunk: Buffer) =>
            resolve({
              status: res.statusCode ?? 0,
              type: String(res.headers['content-type']),
              first: chunk.toString('utf8'),
              end: () => req.destroy(),
            }),
          );
        });
      });
      assert.equal(status, 200);
      assert.match(type, /^text\/event-stream/);
      assert.match(first, /^event: ready\ndata: \{"listener_id":"LSN_[0-9A-Z]+","listener_key":"[0-9a-f]{64}"/);
      assert.equal(h.gateway.listeners.has(m.id), true);

      const report = (id: string, headers: Record<string, string>, body: string) =>
        fetch(`${h.baseUrl}/listen/v1/deliveries/${id}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        });
      const noKey = await report('LSD_X', {}, '{"status":200,"body":""}');
      assert.equal(noKey.status, 401);
      assert.equal((await noKey.json()).meta.ret_code, '00280703');
      const unknown = await report('LSD_X', { 'listener-key': 'f'.repeat(64) }, '{"status":200,"body":""}');
      assert.equal(unknown.status, 404);
      assert.equal((await unknown.json()).meta.ret_code, '00060704');
      const bad = await report('LSD_X', { 'listener-key': 'f'.repeat(64) }, '{"status":"two hundred"}');
      assert.equal(bad.status, 400);
      assert.equal((await bad.json()).meta.ret_code, '00060700');
      const notJson = await report('LSD_X', { 'listener-key': 'f'.repeat(64) }, '{status');
      assert.equal((await notJson.json()).meta.ret_code, '00060701');

      end();
      await until('the listener gone', async () => (h.gateway.listeners.has(m.id) ? undefined : true));
    });
  });
}
