/** A merchant as the platform knows it: who calls the API and how its card fields are encrypted. */
import type { FieldEncryption } from '../crypto/field-decryption.ts';

export interface Merchant {
  readonly id: string;
  readonly name: string;
  readonly clientId: string;
  readonly encryption: FieldEncryption;
  /** The order currencies the merchant takes; null: all 15 of the reference. */
  readonly acceptedCurrencies: readonly string[] | null;
  readonly status: string;
}

/** A merchant as the operator sees it (CLI, console): what it is set up with, never its secrets. */
export interface MerchantProfile extends Merchant {
  /** Service fee in basis points of the CNY collected. */
  readonly serviceFeeBp: number;
  readonly createdAt: number;
}

/** One of a merchant's public keys (its fingerprint, not the key). */
export interface MerchantKeyInfo {
  readonly id: string;
  readonly fingerprint: string;
  readonly status: string;
  readonly createdAt: number;
}
