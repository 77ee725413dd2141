/**
 * Request authentication: the bearer token (with or without the space after `Bearer`, as the
 * official Java client sends it) and, for POSTs, the `Signature` header over the raw body checked
 * against the merchant's active public keys.
 */
import { createHash, type KeyObject } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Selectable } from 'kysely';
import type { AccessTokensTable, MerchantsTable } from '../store/schema.ts';
import { RET, UmfError } from '../errors/catalogue.ts';
import type { GatewayContext } from '../context.ts';
import { rowToMerchant } from '../merchants/merchant-service.ts';
import { parsePublicKey, verifySha256WithRsa } from '../crypto/rsa-signature.ts';
import { PreparedQuery } from '../store/prepared.ts';

const BEARER = /^\s*Bearer\s*([A-Za-z0-9._~+/=-]+)\s*$/i;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  return BEARER.exec(header)?.[1];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The PEMs of the merchant's active public keys, read with the token (POST requests only). */
    merchantKeyPems: string[] | undefined;
  }
}

/** The merchant and expiry of a token (GET and other requests). */
const tokenMerchant = new PreparedQuery<[tokenHash: string], MerchantRowWithExpiry>(1, (db, [tokenHash]) =>
  db
    .selectFrom('access_tokens')
    .innerJoin('merchants', 'merchants.id', 'access_tokens.merchant_id')
    .selectAll('merchants')
    .select('access_tokens.expires_at')
    .where('access_tokens.token_hash', '=', tokenHash),
);

/**
 * The same with the merchant's active public keys, for signed requests: one row per active key (and
 * one row with a NULL key when the merchant has none; a stored key is never NULL).
 */
const tokenMerchantKeys = new PreparedQuery<
  [tokenHash: string],
  MerchantRowWithExpiry & { public_key_pem: string | null }
>(1, (db, [tokenHash]) =>
  db
    .selectFrom('access_tokens')
    .innerJoin('merchants', 'merchants.id', 'access_tokens.merchant_id')
    .leftJoin('merchant_keys', (join) =>
      join.onRef('merchant_keys.merchant_id', '=', 'merchants.id').on('merchant_keys.status', '=', 'active'),
    )
    .selectAll('merchants')
    .select(['access_tokens.expires_at', 'merchant_keys.public_key_pem'])
    .where('access_tokens.token_hash', '=', tokenHash),
);

type MerchantRowWithExpiry = Selectable<MerchantsTable> & { expires_at: Selectable<AccessTokensTable>['expires_at'] };

export function makeAuthenticate(ctx: GatewayContext) {
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const token = bearerToken(request);
    if (!token) throw new UmfError(RET.TOKEN_INVALID, 'send Authorization: Bearer <access_token>');
    const tokenHash = hashToken(token);
    if (request.method === 'POST') {
      // A signed request: the merchant's active keys come with the token, in one statement. Read for
      // this request only, so a key added or revoked by the CLI counts from the next request on.
      const rows = await tokenMerchantKeys.execute(ctx.db, tokenHash);
      const row = rows[0];
      accept(row);
      request.merchantKeyPems = rows.flatMap((r) => (r.public_key_pem === null ? [] : [r.public_key_pem]));
      request.merchant = rowToMerchant(row);
      return;
    }
    const row = await tokenMerchant.takeFirst(ctx.db, tokenHash);
    accept(row);
    request.merchant = rowToMerchant(row);
  };

  function accept<T extends { expires_at: unknown; status: string }>(row: T | undefined): asserts row is T {
    if (!row || Number(row.expires_at) <= ctx.clock.now()) throw new UmfError(RET.TOKEN_INVALID);
    if (row.status !== 'active') throw new UmfError(RET.MERCHANT_NOT_REGISTERED);
  }
}

/** Parsed public keys by their PEM text: each key is parsed once per process. */
const keyCache = new Map<string, KeyObject>();

function publicKeyOf(pem: string): KeyObject {
  let key = keyCache.get(pem);
  if (!key) {
    key = parsePublicKey(pem);
    if (keyCache.size > 10_000) keyCache.clear();
    keyCache.set(pem, key);
  }
  return key;
}

export function makeVerifySignature(ctx: GatewayContext) {
  return async function verifySignature(request: FastifyRequest): Promise<void> {
    const merchant = request.merchant;
    if (!merchant) throw new UmfError(RET.TOKEN_INVALID);
    const header = request.headers.signature;
    const signature = Array.isArray(header) ? header[0] : header;
    if (!signature) throw new UmfError(RET.SIGNATURE_INVALID, 'the Signature header is missing');
    const pems =
      request.merchantKeyPems ??
      (
        await ctx.db
          .selectFrom('merchant_keys')
          .select('public_key_pem')
          .where('merchant_id', '=', merchant.id)
          .where('status', '=', 'active')
          .execute()
      ).map((k) => k.public_key_pem);
    const body = request.rawBody ?? Buffer.alloc(0);
    for (const pem of pems) {
      if (verifySha256WithRsa(publicKeyOf(pem), body, signature)) return;
    }
    throw new UmfError(RET.SIGNATURE_INVALID);
  };
}
