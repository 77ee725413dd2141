/**
 * A real local merchant endpoint for end-to-end tests: a node:http server on 127.0.0.1 (port 0) that
 * receives the gateway's notifications at /notify the way a merchant integration built on umf-sdk
 * does: it reads the RAW body, verifies the Signature header with the SDK's verifyNotification and
 * the platform certificate, records the parsed event and answers with the SDK's notificationReply.
 *
 *   const merchant = await startMerchantServer(harness.platformCert.toString());
 *   order.notify_url = merchant.notifyUrl;
 *   const n = await merchant.waitForPayment(paymentId, { state: 'TRADE_SUCCESS' });
 *
 * Switches: failNext(n) answers 500 to the next n notifications (verified, recorded as deliveries but
 * not acknowledged), replyFormat = 'text' answers `ret_code=0000&ret_msg=success`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { notificationReply, verifyNotification, type CertificateInput, type UmfNotification } from 'umf-sdk';

export interface Delivery {
  /** 1-based arrival order over every request to /notify. */
  readonly seq: number;
  readonly at: number;
  readonly rawBody: string;
  readonly signature: string | undefined;
  /** The verified, parsed event; undefined when the signature did not verify. */
  readonly event: UmfNotification | undefined;
  readonly verifyError: string | undefined;
  /** What this server answered. */
  readonly answeredStatus: number;
  readonly answeredBody: string;
  /** True when the answer acknowledged the notification (2xx with ret_code 0000). */
  readonly acknowledged: boolean;
}

export interface WaitOptions {
  /** Only a notification whose payment has this state. */
  readonly state?: string;
  /** Count deliveries that were answered 500 too (default: only acknowledged ones). */
  readonly includeFailed?: boolean;
  /** Only deliveries after this seq (default 0). */
  readonly after?: number;
  readonly timeoutMs?: number;
}

export interface MerchantServer {
  readonly baseUrl: string;
  readonly notifyUrl: string;
  /** Every request received at /notify, in arrival order. */
  readonly deliveries: readonly Delivery[];
  /** Verified and acknowledged events, in arrival order. */
  readonly events: readonly UmfNotification[];
  /** Requests whose signature did not verify (or that had none): should stay empty. */
  readonly rejected: readonly Delivery[];
  /** How the next successful answers are written. */
  replyFormat: 'json' | 'text';
  /**
   * Answer HTTP 500 (notificationReply(false)) to the next `n` verified notifications (only those
   * about `paymentId` when given).
   */
  failNext(n: number, paymentId?: string): void;
  /** Deliveries (verified) about one payment. */
  deliveriesFor(paymentId: string): Delivery[];
  /** Resolves with the first delivery about `paymentId` that matches; rejects after timeoutMs (default 10 s). */
  waitForPayment(paymentId: string, options?: WaitOptions): Promise<Delivery>;
  close(): Promise<void>;
}

export async function startMerchantServer(platformCertificate: CertificateInput): Promise<MerchantServer> {
  const deliveries: Delivery[] = [];
  const events: UmfNotification[] = [];
  const rejected: Delivery[] = [];
  const waiters = new Set<{ check(d: Delivery): boolean }>();
  let failures = 0;
  let failFor: string | undefined;
  let seq = 0;

  const paymentIdOf = (d: Delivery): string | undefined =>
    d.event?.type === 'payment' ? d.event.payment.id : undefined;

  function matches(d: Delivery, paymentId: string, o: WaitOptions): boolean {
    if (d.seq <= (o.after ?? 0)) return false;
    if (!d.event || paymentIdOf(d) !== paymentId) return false;
    if (!o.includeFailed && !d.acknowledged) return false;
    if (o.state !== undefined && d.event.type === 'payment' && d.event.payment.state !== o.state) return false;
    return true;
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method !== 'POST' || url.pathname !== '/notify') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const raw = Buffer.concat(chunks);
      const header = req.headers['signature'];
      const signature = Array.isArray(header) ? header[0] : header;
      let event: UmfNotification | undefined;
      let verifyError: string | undefined;
      try {
        event = verifyNotification({ rawBody: raw, signature: header, platformCertificate });
      } catch (err) {
        verifyError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
      let reply;
      if (!event) reply = notificationReply(false, 'signature rejected');
      else if (failures > 0 && (failFor === undefined || (event.type === 'payment' && event.payment.id === failFor))) {
        failures--;
        reply = notificationReply(false, 'temporarily unavailable');
      } else reply = notificationReply(true, undefined, merchant.replyFormat);
      const delivery: Delivery = {
        seq: ++seq,
        at: Date.now(),
        rawBody: raw.toString('utf8'),
        signature,
        event,
        verifyError,
        answeredStatus: reply.statusCode,
        answeredBody: reply.body,
        acknowledged: event !== undefined && reply.statusCode === 200,
      };
      deliveries.push(delivery);
      if (!event) rejected.push(delivery);
      else if (delivery.acknowledged) events.push(event);
      res.writeHead(reply.statusCode, { 'content-type': reply.contentType }).end(reply.body);
      for (const w of [...waiters]) if (w.check(delivery)) waiters.delete(w);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;

  const merchant: MerchantServer = {
    baseUrl,
    notifyUrl: `${baseUrl}/notify`,
    deliveries,
    events,
    rejected,
    replyFormat: 'json',
    failNext(n, paymentId) {
      failures = n;
      failFor = paymentId;
    },
    deliveriesFor(paymentId) {
      return deliveries.filter((d) => paymentIdOf(d) === paymentId);
    },
    waitForPayment(paymentId, options = {}) {
      const found = deliveries.find((d) => matches(d, paymentId, options));
      if (found) return Promise.resolve(found);
      const timeoutMs = options.timeoutMs ?? 10_000;
      return new Promise<Delivery>((resolve, reject) => {
        const waiter = {
          check(d: Delivery): boolean {
            if (!matches(d, paymentId, options)) return false;
            clearTimeout(timer);
            resolve(d);
            return true;
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = deliveries
            .filter((d) => paymentIdOf(d) === paymentId)
            .map(
              (d) => `#${d.seq} ${d.event?.type === 'payment' ? d.event.payment.state : '?'} -> ${d.answeredStatus}`,
            );
          reject(
            new Error(
              `no notification for ${paymentId} (${JSON.stringify(options)}) within ${timeoutMs} ms; ` +
                `seen: [${seen.join(', ')}]`,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
  return merchant;
}
