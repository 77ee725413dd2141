/**
 * Request authentication: the bearer token (with or without the space after `Bearer`, as the
 * official Java client sends it) and, for POSTs, the `Signature` header over the raw body checked
 * against the merchant's active public keys, which come with the token in one statement (read per
 * request, so a key added or revoked by the CLI counts from the next request on).
 */
import type { KeyObject } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { RET, UmfError } from '../errors/catalogue.ts';
import type { Merchant } from '../merchants/merchant.ts';
import { parsePublicKey, verifySha256WithRsa } from '../crypto/rsa-signature.ts';

const BEARER = /^\s*Bearer\s*([A-Za-z0-9._~+/=-]+)\s*$/i;

/** Who holds a token (the oauth service): throws a DomainError when nobody valid does. */
export type TokenResolver = (
  token: string,
  withKeys: boolean,
) => Promise<{ readonly merchant: Merchant; readonly keyPems?: readonly string[] }>;

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  return BEARER.exec(header)?.[1];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The PEMs of the merchant's active public keys, read with the token (POST requests only). */
    merchantKeyPems: readonly string[] | undefined;
  }
}

export function makeAuthenticate(resolve: TokenResolver) {
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const token = bearerToken(request);
    if (!token) throw new UmfError(RET.TOKEN_INVALID, 'send Authorization: Bearer <access_token>');
    const holder = await resolve(token, request.method === 'POST');
    request.merchant = holder.merchant;
    request.merchantKeyPems = holder.keyPems;
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

export function verifySignature(request: FastifyRequest): void {
  if (!request.merchant) throw new UmfError(RET.TOKEN_INVALID);
  const header = request.headers.signature;
  const signature = Array.isArray(header) ? header[0] : header;
  if (!signature) throw new UmfError(RET.SIGNATURE_INVALID, 'the Signature header is missing');
  const body = request.rawBody ?? Buffer.alloc(0);
  for (const pem of request.merchantKeyPems ?? []) {
    if (verifySha256WithRsa(publicKeyOf(pem), body, signature)) return;
  }
  throw new UmfError(RET.SIGNATURE_INVALID);
}
