/**
 * The endpoints of `umf-gateway listen` (a gateway extension, not in the UMF reference; sandbox mode
 * only), through which a merchant's notifications reach a server on the merchant's own machine that
 * the gateway cannot reach:
 *
 *   GET  /listen/v1/notifications       Authorization: Bearer <access token>
 *        200 text/event-stream: `ready` {listener_id, listener_key, merchant_id}, then one
 *        `notification` {delivery_id, notification_id, object_type, object_id, attempt, notify_url,
 *        headers, body} per attempt while the stream stays open; a comment line every 15 s.
 *   POST /listen/v1/deliveries/{delivery_id}   Listener-Key: <listener_key>
 *        {"status": 200, "body": "..."} (what the local server answered) or {"error": "..."} (why it
 *        did not); signed `{"meta":{"ret_code":"0000",...}}`.
 *
 * Errors are the catalogue's signed answers: no or a bad token 00280703, no Listener-Key 00280703, a
 * delivery that awaits no answer from this listener (answered, given up by the worker, unknown)
 * 00060704, a bad report 00060700, a body that is not JSON 00060701. The report takes no Signature:
 * it tells what the merchant's own server answered, the listener key proves it comes from the stream
 * the token opened, and the CLI need not hold the merchant's private key.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { RET, UmfError } from '../errors/catalogue.ts';
import { merchantOf } from '../http/umf-plugin.ts';
import type { ListenerReport, NotificationListeners } from './notification-listeners.ts';

export const LISTEN_PREFIX = '/listen/v1';
/** The header of a listener's reports. */
export const LISTENER_KEY_HEADER = 'listener-key';
const KEEP_ALIVE_MS = 15_000;
/** The most of the local server's answer a report carries (the worker reads as much of a merchant's). */
const MAX_REPORTED_BODY = 64 * 1024;

export interface ListenRoutesDeps {
  readonly listeners: NotificationListeners;
  /** Authenticates the bearer token (http/authenticate.ts); sets request.merchant. */
  readonly authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

export function listenRoutes(deps: ListenRoutesDeps): FastifyPluginAsync {
  const { listeners } = deps;
  return async (app) => {
    // The streams stay open until the listener goes: end them when the gateway closes.
    app.addHook('preClose', (done) => {
      listeners.closeAll();
      done();
    });

    app.get(`${LISTEN_PREFIX}/notifications`, { onRequest: deps.authenticate }, (request, reply) => {
      const merchant = merchantOf(request);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      raw.flushHeaders();
      const handle = listeners.connect(merchant.id, {
        send(event, data) {
          if (raw.destroyed || raw.writableEnded) throw new Error('the stream is closed');
          raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        },
        close() {
          raw.end();
        },
      });
      const keepAlive = setInterval(() => {
        if (!raw.destroyed && !raw.writableEnded) raw.write(': keep-alive\n\n');
      }, KEEP_ALIVE_MS);
      keepAlive.unref();
      raw.on('close', () => {
        clearInterval(keepAlive);
        handle.disconnect();
      });
      raw.write(
        `event: ready\ndata: ${JSON.stringify({
          listener_id: handle.id,
          listener_key: handle.key,
          merchant_id: merchant.id,
        })}\n\n`,
      );
      request.log.info({ merchantId: merchant.id, listenerId: handle.id }, 'listener connected');
      raw.on('close', () =>
        request.log.info({ merchantId: merchant.id, listenerId: handle.id }, 'listener disconnected'),
      );
    });

    app.post<{ Params: { id: string } }>(`${LISTEN_PREFIX}/deliveries/:id`, async (request, reply) => {
      const header = request.headers[LISTENER_KEY_HEADER];
      const key = Array.isArray(header) ? header[0] : header;
      if (!key) throw new UmfError(RET.TOKEN_INVALID, 'send Listener-Key: <listener_key of the ready event>');
      const report = reportOf(request.umfBody());
      if (!listeners.report(request.params.id, key, report)) {
        throw new UmfError(
          RET.ROUTE_NOT_FOUND,
          `no delivery ${request.params.id.slice(0, 40)} awaits an answer from this listener ` +
            '(already answered, or the gateway stopped waiting)',
        );
      }
      return reply.umf({});
    });
  };
}

/** The report in a listener's body: `{status, body}` or `{error}`. */
function reportOf(body: Record<string, unknown>): ListenerReport {
  if (typeof body.error === 'string') {
    if (body.error.length === 0 || body.error.length > 500)
      throw new UmfError(RET.VALIDATION, 'error must be 1 to 500 characters');
    return { error: body.error };
  }
  const { status } = body;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)
    throw new UmfError(RET.VALIDATION, 'status must be an HTTP status (100-599), or error a text');
  const text = body.body ?? '';
  if (typeof text !== 'string') throw new UmfError(RET.VALIDATION, 'body must be a string');
  return { answer: { status, text: text.slice(0, MAX_REPORTED_BODY) } };
}
