/** The sandbox SMS gateway: messages land in an inbox readable at GET /sandbox/sms?phone=... */
import type { Store } from '../../store/database.ts';
import type { SmsGateway } from '../channels.ts';
import type { SandboxRepository } from './sandbox-repository.ts';

export class SandboxSmsGateway implements SmsGateway {
  readonly #deps: { readonly store: Store; readonly sandbox: SandboxRepository };
  constructor(deps: { readonly store: Store; readonly sandbox: SandboxRepository }) {
    this.#deps = deps;
  }

  async send(message: { phone: string; code: string; paymentId: string; sentAt: number }): Promise<void> {
    await this.#deps.store.write((trx) => this.#deps.sandbox.saveSms(trx, message));
  }
}
