/**
 * Time-sortable identifiers: `prefix` + 26 characters of Crockford base32 (uppercase, no I L O U),
 * encoding 48 bits of milliseconds since the epoch followed by 80 random bits (the ULID layout).
 * Ids made in different milliseconds sort by creation time as plain strings; within one millisecond
 * their order is random. Example: `newId('NTF_')` -> `NTF_01J9Z3W7Q4R8T2M6K5X0B1C9DA`.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const MAX_TIME = 2 ** 48 - 1;
const RANDOM_BYTES = 10;

// Random bytes are drawn from the CSPRNG in blocks (one system call per 409 ids, not one per id).
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function randomChunk(): Buffer {
  if (poolOffset + RANDOM_BYTES > pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const chunk = pool.subarray(poolOffset, poolOffset + RANDOM_BYTES);
  poolOffset += RANDOM_BYTES;
  return chunk;
}

export function newId(prefix: string, now: number = Date.now()): string {
  if (!Number.isSafeInteger(now) || now < 0 || now > MAX_TIME)
    throw new RangeError(`cannot encode time ${now} in an id`);
  let time = '';
  let t = now;
  for (let i = 0; i < TIME_CHARS; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  // 80 random bits = 16 groups of 5 bits, read from 10 random bytes.
  const bytes = randomChunk();
  let random = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      random += ALPHABET[(buffer >> bits) & 31]!;
    }
    buffer &= (1 << bits) - 1;
  }
  return prefix + time + random;
}

const PUBLIC_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The id of a payment, refund or customs declaration: `prefix` + 21 random characters of the RFC 4648
 * base32 alphabet (A-Z, 2-7), 105 random bits, no time in it. Example: `randomId('PAY_')`.
 */
export function randomId(prefix: string): string {
  let out = prefix;
  for (const b of randomBytes(21)) out += PUBLIC_ALPHABET[b & 31];
  return out;
}
