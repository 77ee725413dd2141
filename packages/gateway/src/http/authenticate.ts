/**
 * Request authentication: the bearer token (with or without the space after `Bearer`, as the
 * official Java client sends it) and, for POSTs, the `Signature` header over the raw body checked
 * against the merchant's active public keys, which come with the token in one statement (read per
 * request, so a key added or revoked by the CLI counts from the next request on).
 *
 * Invalid tokens are limited per source address (InvalidTokenLimiter): an address that sent
 * INVALID_TOKEN_LIMIT.perWindow unknown or expired tokens within `windowMs` gets 429 `00280704` with
 * `Retry-After` for `blockMs`, before its token is even looked up; other addresses are unaffected.
 * The counts are kept in memory per process: a guess costs one indexed read, and counting it in the
 * database would turn every guess into a write (the very load the limit is for). With N processes an
 * address gets at most N times the limit, which changes nothing for 256-bit random tokens.
 */
import type { KeyObject } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RET, UmfError } from '../errors/catalogue.ts';
import { DomainError } from '../errors/domain-error.ts';
import type { Clock } from '../time/clock.ts';
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

export interface InvalidTokenLimit {
  /** Invalid tokens an address may send within `windowMs`. */
  readonly perWindow: number;
  readonly windowMs: number;
  /** How long an address that sent too many waits. */
  readonly blockMs: number;
  /** Addresses remembered at most (the least recently seen are forgotten first). */
  readonly maxAddresses: number;
}

export const INVALID_TOKEN_LIMIT: InvalidTokenLimit = {
  perWindow: 30,
  windowMs: 60_000,
  blockMs: 60_000,
  maxAddresses: 10_000,
};

interface AddressCount {
  count: number;
  windowStart: number;
  blockedUntil: number;
}

/** Counts of invalid bearer tokens per source address, in this process (see the top of this file). */
export class InvalidTokenLimiter {
  readonly #limit: InvalidTokenLimit;
  readonly #clock: Clock;
  readonly #addresses = new Map<string, AddressCount>();
  constructor(clock: Clock, limit: InvalidTokenLimit = INVALID_TOKEN_LIMIT) {
    this.#clock = clock;
    this.#limit = limit;
  }

  /** How long the address still waits (0: it may send a token). */
  retryAfterMs(address: string): number {
    const entry = this.#addresses.get(address);
    return entry ? Math.max(entry.blockedUntil - this.#clock.now(), 0) : 0;
  }

  /** Counts an invalid token of the address. */
  failed(address: string): void {
    const now = this.#clock.now();
    let entry = this.#addresses.get(address);
    if (entry) this.#addresses.delete(address); // re-inserted last: the map is in order of last use
    if (!entry || now - entry.windowStart >= this.#limit.windowMs)
      entry = { count: 0, windowStart: now, blockedUntil: 0 };
    entry.count++;
    if (entry.count >= this.#limit.perWindow) {
      entry.blockedUntil = now + this.#limit.blockMs;
      entry.count = 0;
      entry.windowStart = now + this.#limit.blockMs;
    }
    this.#addresses.set(address, entry);
    while (this.#addresses.size > this.#limit.maxAddresses) {
      this.#addresses.delete(this.#addresses.keys().next().value as string);
    }
  }
}

export function makeAuthenticate(resolve: TokenResolver, limiter: InvalidTokenLimiter) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const token = bearerToken(request);
    if (!token) throw new UmfError(RET.TOKEN_INVALID, 'send Authorization: Bearer <access_token>');
    const waitMs = limiter.retryAfterMs(request.ip);
    if (waitMs > 0) {
      reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
      throw new UmfError(RET.TOO_MANY_AUTH_ATTEMPTS, 'too many invalid access tokens from this address');
    }
    let holder;
    try {
      holder = await resolve(token, request.method === 'POST');
    } catch (error) {
      if (error instanceof DomainError && error.reason === 'token_invalid') limiter.failed(request.ip);
      throw error;
    }
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
