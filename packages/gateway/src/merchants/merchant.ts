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
