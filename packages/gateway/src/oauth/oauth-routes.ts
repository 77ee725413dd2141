/**
 * POST /oauth/authorize: OAuth2 client credentials. JSON or form-encoded body, or HTTP Basic
 * credentials. The answer is compact JSON with `access_token` FIRST (a real integration reads it by
 * position). A new token replaces the merchant's previous one. Attempts are counted per client_id:
 * after 10 failures within 15 minutes the client is locked out for 15 minutes. Each attempt is
 * counted (reserved) in one atomic statement BEFORE its secret is checked, and a success clears
 * the count: so even a burst of parallel guesses gets at most 10 secrets checked per window.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import { RET, UmfError } from '../errors/catalogue.ts';
import type { GatewayContext } from '../context.ts';
import { verifySecret } from '../merchants/merchant-service.ts';
import { hashToken } from '../http/authenticate.ts';
import { normaliseKeys } from '../http/request-json.ts';

const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 15 * 60_000;
const LOCKOUT_MS = 15 * 60_000;

interface Credentials {
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  grantType?: string | undefined;
}

function readCredentials(
  contentType: string | undefined,
  raw: Buffer | undefined,
  authorization: string | undefined,
): Credentials {
  let fields: Record<string, unknown> = {};
  const text = raw?.toString('utf8').trim() ?? '';
  if (text) {
    if (contentType?.includes('application/x-www-form-urlencoded') || (!text.startsWith('{') && text.includes('='))) {
      fields = normaliseKeys(Object.fromEntries(new URLSearchParams(text))) as Record<string, unknown>;
    } else {
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
          fields = normaliseKeys(parsed) as Record<string, unknown>;
        else throw new Error('not an object');
      } catch {
        throw new UmfError(RET.INVALID_JSON);
      }
    }
  }
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : undefined);
  const credentials: Credentials = {
    clientId: str(fields.client_id),
    clientSecret: str(fields.client_secret),
    grantType: str(fields.grant_type),
  };
  const basic = /^\s*Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      credentials.clientId ??= decodeURIComponent(decoded.slice(0, colon));
      credentials.clientSecret ??= decodeURIComponent(decoded.slice(colon + 1));
    }
  }
  return credentials;
}

export function oauthRoutes(ctx: GatewayContext): FastifyPluginAsync {
  return async (app) => {
    const { db, clock } = ctx;

    /**
     * Counts one attempt in a single statement (concurrent attempts are all counted) and returns how
     * many the window holds now; the attempt that reaches the limit locks the client.
     */
    async function reserveAttempt(clientId: string, now: number): Promise<number> {
      const windowOpenedBefore = now - FAILURE_WINDOW_MS;
      const stale = sql<boolean>`auth_failures.window_start < ${windowOpenedBefore}`;
      return db
        .insertInto('auth_failures')
        .values({ client_id: clientId, failures: 1, window_start: now, locked_until: 0 })
        .onConflict((oc) =>
          oc.column('client_id').doUpdateSet({
            failures: sql<number>`CASE WHEN ${stale} THEN 1 ELSE auth_failures.failures + 1 END`,
            window_start: sql<number>`CASE WHEN ${stale} THEN ${now} ELSE auth_failures.window_start END`,
            locked_until: sql<number>`CASE WHEN ${stale} THEN 0 WHEN auth_failures.failures + 1 >= ${MAX_FAILURES} THEN ${now + LOCKOUT_MS} ELSE auth_failures.locked_until END`,
          }),
        )
        .returning('failures')
        .executeTakeFirstOrThrow()
        .then((row) => Number(row.failures));
    }

    app.post('/oauth/authorize', async (request, reply) => {
      const contentType = request.headers['content-type'];
      const { clientId, clientSecret, grantType } = readCredentials(
        contentType,
        request.rawBody,
        request.headers.authorization,
      );
      if (grantType !== 'client_credentials') throw new UmfError(RET.UNSUPPORTED_GRANT_TYPE);
      if (!clientId || !clientSecret || clientId.length > 128 || clientSecret.length > 256)
        throw new UmfError(RET.INVALID_CLIENT);
      const now = clock.now();
      const failures = await db
        .selectFrom('auth_failures')
        .select('locked_until')
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      if (failures && Number(failures.locked_until) > now) {
        reply.header('retry-after', String(Math.ceil((Number(failures.locked_until) - now) / 1000)));
        throw new UmfError(RET.TOO_MANY_AUTH_ATTEMPTS);
      }
      if ((await reserveAttempt(clientId, now)) > MAX_FAILURES) {
        // Attempts beyond the limit, in flight at the same time as the one that locked: refused unchecked.
        reply.header('retry-after', String(Math.ceil(LOCKOUT_MS / 1000)));
        throw new UmfError(RET.TOO_MANY_AUTH_ATTEMPTS);
      }
      const merchant = await db
        .selectFrom('merchants')
        .select(['id', 'client_secret_hash', 'status'])
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      const ok = merchant ? await verifySecret(clientSecret, merchant.client_secret_hash) : false;
      if (!merchant || !ok) throw new UmfError(RET.INVALID_CLIENT); // the attempt stays counted
      if (merchant.status !== 'active') throw new UmfError(RET.MERCHANT_NOT_REGISTERED);
      await db.deleteFrom('auth_failures').where('client_id', '=', clientId).execute();
      const token = randomBytes(32).toString('hex');
      const ttl = ctx.config.tokenTtlSeconds;
      const stored = { token_hash: hashToken(token), expires_at: now + ttl * 1000, created_at: now };
      await db
        .insertInto('access_tokens')
        .values({ merchant_id: merchant.id, ...stored })
        .onConflict((oc) => oc.column('merchant_id').doUpdateSet(stored))
        .execute();
      reply
        .code(200)
        .header('content-type', 'application/json; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(`{"access_token":"${token}","expires_in":${ttl}}`);
    });
  };
}
