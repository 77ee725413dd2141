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
import type { Store } from '../store/database.ts';
import type { Clock } from '../time/clock.ts';
import type { IdempotencyRepository } from './idempotency-repository.ts';

const IN_FLIGHT_TAKEOVER_MS = 2 * 60_000;
const RETENTION_MS = 24 * 3600_000;

export interface IdempotencyDeps {
  readonly store: Store;
  readonly keys: IdempotencyRepository;
  readonly clock: Clock;
}

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

export function idempotency(app: FastifyInstance, deps: IdempotencyDeps): void {
  const { store, keys, clock } = deps;
  app.decorateRequest('idempotency', undefined);

  // Callback-style entry points: a request without an Idempotency-Key costs no promise.
  app.addHook('preHandler', (request, reply, done) => {
    if (request.method !== 'POST' || !request.merchant || request.headers['idempotency-key'] === undefined) {
      return done();
    }
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
    if (await store.write((trx) => keys.claim(trx, merchantId, key, hash, now))) {
      request.idempotency = { merchantId, key };
      return;
    }
    const record = await keys.find(merchantId, key);
    if (!record) throw new UmfError(RET.IDEMPOTENCY_IN_FLIGHT);
    const expired = record.createdAt < now - RETENTION_MS;
    const abandoned = record.state === 'in_flight' && record.createdAt < now - IN_FLIGHT_TAKEOVER_MS;
    if (expired || abandoned) {
      if (await store.write((trx) => keys.takeOver(trx, record, hash, now))) {
        request.idempotency = { merchantId, key, resumed: abandoned && !expired && record.requestHash === hash };
        return;
      }
      throw new UmfError(RET.IDEMPOTENCY_IN_FLIGHT);
    }
    if (record.requestHash !== hash) throw new UmfError(RET.IDEMPOTENCY_MISMATCH);
    if (record.state !== 'done' || record.responseBody === null || record.httpStatus === null) {
      throw new UmfError(RET.IDEMPOTENCY_IN_FLIGHT);
    }
    reply.header('idempotent-replayed', 'true');
    return reply
      .code(record.httpStatus)
      .header('content-type', 'application/json; charset=utf-8')
      .send(record.responseBody);
  }

  app.addHook('onSend', (request, reply, payload, done) => {
    const state = request.idempotency;
    if (!state) return done(null, payload);
    request.idempotency = undefined;
    record(state, reply, payload).then((sent) => done(null, sent), done);
  });

  async function record(state: IdempotencyState, reply: FastifyReply, payload: unknown): Promise<unknown> {
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      await store.write((trx) => keys.release(trx, state.merchantId, state.key));
      return payload;
    }
    await store.write((trx) => keys.complete(trx, state.merchantId, state.key, reply.statusCode, payload));
    return payload;
  }
}
