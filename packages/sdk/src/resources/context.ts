import type { KeyObject } from 'node:crypto';
import type { EncryptionMode } from '../encryption.ts';
import type { TokenManager } from '../tokens.ts';
import type { Transport } from '../transport.ts';

/** What the resources share with the client. */
export interface ClientContext {
  transport: Transport;
  tokens: TokenManager;
  platformPublicKey: KeyObject;
  encryption: EncryptionMode;
}
