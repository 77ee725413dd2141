/**
 * Turns a raw request body into the object the routes read, liberal in what it accepts (see
 * WIRE-NOTES.md): keys are trimmed ("expire_time "), camelCase becomes snake_case (bankCard ->
 * bank_card, Currency -> currency) and a few known aliases are folded onto the names we use.
 */
import { RET, UmfError } from '../errors/catalogue.ts';

const ALIASES: Record<string, string> = {
  item_quantity: 'quantity',
  last_four_card_id: 'last_four_cardid',
  agreement_id: 'usr_pay_agreement_id',
  busi_agreement_id: 'usr_busi_agreement_id',
};

/** Keys that are already snake_case and no alias (nearly all of them): returned as they are. */
const PLAIN_KEY = /^[a-z0-9_]+$/;

export function canonicalKey(key: string): string {
  if (PLAIN_KEY.test(key) && !Object.hasOwn(ALIASES, key)) return key;
  const snake = key
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
  return Object.hasOwn(ALIASES, snake) ? ALIASES[snake]! : snake;
}

/**
 * Canonical keys throughout `value`, in place (JSON.parse's fresh objects: nothing else holds them).
 * A key that is already canonical (nearly all of them) stays where it is; a renamed one moves to the
 * end of its object. When a client sends two spellings of one key, the canonical one (what the Java
 * client sends) wins, else the first.
 */
export function normaliseKeys(value: unknown, depth = 0): unknown {
  if (depth > 32) throw new UmfError(RET.VALIDATION, 'JSON nested too deeply');
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) normaliseKeys(value[i], depth + 1);
  } else if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      const member = object[key];
      normaliseKeys(member, depth + 1);
      const canonical = canonicalKey(key);
      if (canonical === key && canonical !== '__proto__') continue;
      delete object[key];
      // Never a UMF field; assigning it would replace the object's prototype.
      if (canonical === '__proto__' || Object.hasOwn(object, canonical)) continue;
      object[canonical] = member;
    }
  }
  return value;
}

/** Parses a JSON object body. Empty bodies are an empty object (clients POST `{}`-less actions). */
export function parseJsonObject(raw: Buffer | undefined): Record<string, unknown> {
  if (!raw || raw.length === 0) return {};
  let text = raw.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UmfError(RET.INVALID_JSON);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UmfError(RET.INVALID_JSON, 'the body must be a JSON object');
  }
  return normaliseKeys(parsed) as Record<string, unknown>;
}
