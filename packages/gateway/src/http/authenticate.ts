/**
 * Request authentication: the bearer token (with or without the space after `Bearer`, as the
 * official Java client sends it) and, for POSTs, the `Signature` header over the raw body checked
 * against the merchant's active public keys.
 */
import { createHash, type KeyObject } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { RET, UmfError } from '../errors/catalogue.ts';
import type { GatewayContext } from '../context.ts';
import { rowToMerchant } from '../merchants/merchants.ts';
import { parsePublicKey, verifySha256WithRsa } from '../crypto/rsa-signature.ts';

const BEARER = /^\s*Bearer\s*([A-Za-z0-9._~+/=-]+)\s*$/i;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  return BEARER.exec(header)?.[1];
}

export function makeAuthenticate(ctx: GatewayContext) {
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const token = bearerToken(request);
    if (!token) throw new UmfError(RET.TOKEN_INVALID, 'send Authorization: Bearer <access_token>');
    const row = await ctx.db
      .selectFrom('access_tokens')
      .innerJoin('merchants', 'merchants.id', 'access_tokens.merchant_id')
      .selectAll('merchants')
      .select('access_tokens.expires_at')
      .where('access_tokens.token_hash', '=', hashToken(token))
      .executeTakeFirst();
    if (!row || Number(row.expires_at) <= ctx.clock.now()) throw new UmfError(RET.TOKEN_INVALID);
    if (row.status !== 'active') throw new UmfError(RET.MERCHANT_NOT_REGISTERED);
    request.merchant = rowToMerchant(row);
  };
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
    const keys = await ctx.db
      .selectFrom('merchant_keys')
      .select('public_key_pem')
      .where('merchant_id', '=', merchant.id)
      .where('status', '=', 'active')
      .execute();
    const body = request.rawBody ?? Buffer.alloc(0);
    for (const { public_key_pem } of keys) {
      if (verifySha256WithRsa(publicKeyOf(public_key_pem), body, signature)) return;
    }
    throw new UmfError(RET.SIGNATURE_INVALID);
  };
}
