/**
 * `Idempotency-Key` on any POST: the first request with a key runs and its response is stored; a
 * replay with the same key and the same request returns the stored response byte for byte; the same
 * key with a different request (method, path or body), or while the first is still running, is a
 * 409. Keys are per merchant, kept 24 hours. A key left "in flight" by a crashed process is taken
 * over after two minutes. 5xx answers are not stored, so the client may retry.
 *
 * A takeover by the same request (same key, same bytes) is marked `resumed`: the crashed attempt may
 * have committed its work before it could store its answer. The routes then answer with the object
 * that work created or reached (the payment, the refund, the paid payment) instead of refusing the
 * request as a duplicate (see `Resumable` in domain/payments.ts and domain/refunds.ts).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RET, UmfError } from '../errors/catalogue.ts';
import type { GatewayContext } from '../context.ts';

const IN_FLIGHT_TAKEOVER_MS = 2 * 60_000;
const RETENTION_MS = 24 * 3600_000;

interface IdempotencyState {
  merchantId: string;
  key: string;
  /** The same request taken over from a crashed attempt (see the header). */
  resumed?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: IdempotencyState | undefined;
  }
}

function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(request.method)
    .update('\0')
    .update(request.url)
    .update('\0')
    .update(request.rawBody ?? Buffer.alloc(0))
    .digest('hex');
}

export function idempotency(app: FastifyInstance, ctx: GatewayContext): void {
  const { db, clock } = ctx;
  app.decorateRequest('idempotency', undefined);

  // Callback-style entry points: a request without an Idempotency-Key costs no promise.
  app.addHook('preHandler', (request, reply, done) => {
    if (request.method !== 'POST' || !request.merchant || request.headers['idempotency-key'] === undefined)
      return done();
    claim(request, reply).then(() => done(), done);
  });

  async function claim(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    if (!request.merchant) return;
    const header = request.headers['idempotency-key'];
    const key = (Array.isArray(header) ? header[0] : header)?.trim();
    if (!key) return;
    if (key.length > 255) throw new UmfError(RET.VALIDATION, 'Idempotency-Key is longer than 255 characters');
    const merchantId = request.merchant.id;
    const hash = requestHash(request);
    const now = clock.now();
    const inserted = await db
      .insertInto('idempotency_keys')
      .values({
        merchant_id: merchantId,
        idem_key: key,
        request_hash: hash,
        state: 'in_flight',
        http_status: null,
        response_body: null,
        created_at: now,
      })
      .onConflict((oc) => oc.columns(['merchant_id', 'idem_key']).doNothing())
      .executeTakeFirst();
    if (inserted.numInsertedOrUpdatedRows === 1n) {
      request.idempotency = { merchantId, key };
      return;
    }
    const row = await db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('idem_key', '=', key)
      .executeTakeFirst();
    if (!row) throw new UmfError(RET.IDEMPOTENCY_IN_FLIGHT);
    const expired = Number(row.created_at) < now - RETENTION_MS;
    const abandoned = row.state === 'in_flight' && Number(row.created_at) < now - IN_FLIGHT_TAKEOVER_MS;
    if (expired || abandoned) {
      const taken = await db
        .updateTable('idempotency_keys')
        .set({ request_hash: hash, state: 'in_flight', http_status: null, response_body: null, created_at: now })
        .where('merchant_id', '=', merchantId)
        .where('idem_key', '=', key)
        .where('created_at', '=', row.created_at)
        .executeTakeFirst();
      if (taken.numUpdatedRows === 1n) {
        request.idempotency = { merchantId, key, resumed: abandoned && !expired && row.request_hash === hash };
        return;
      }
      throw new UmfError(RET.IDEMPOTENCY_IN_FLIGHT);
    }
    if (row.request_hash !== hash) throw new UmfError(RET.IDEMPOTENCY_MISMATCH);
    if (row.state !== 'done' || row.response_body === null || row.http_status === null)
      throw new UmfError(RET.IDEMPOTENCY_IN_FLIGHT);
    reply.header('idempotent-replayed', 'true');
    return reply
      .code(row.http_status)
      .header('content-type', 'application/json; charset=utf-8')
      .send(row.response_body);
  }

  app.addHook('onSend', (request, reply, payload, done) => {
    const state = request.idempotency;
    if (!state) return done(null, payload);
    request.idempotency = undefined;
    record(state, reply, payload).then((sent) => done(null, sent), done);
  });

  async function record(state: IdempotencyState, reply: FastifyReply, payload: unknown): Promise<unknown> {
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      await db
        .deleteFrom('idempotency_keys')
        .where('merchant_id', '=', state.merchantId)
        .where('idem_key', '=', state.key)
        .execute();
      return payload;
    }
    await db
      .updateTable('idempotency_keys')
      .set({ state: 'done', http_status: reply.statusCode, response_body: payload })
      .where('merchant_id', '=', state.merchantId)
      .where('idem_key', '=', state.key)
      .execute();
    return payload;
  }
}
