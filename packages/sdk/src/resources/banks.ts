import { UmfApiError } from '../errors.ts';
import type { Bank, CardType, RequestOptions } from '../types.ts';
import type { ClientContext } from './context.ts';

/** `client.banks`. */
export class Banks {
  readonly #ctx: ClientContext;
  constructor(ctx: ClientContext) {
    this.#ctx = ctx;
  }

  /** `GET /bank?type=...`: the banks available to this merchant for the card type. */
  async list(type: CardType, options: RequestOptions = {}): Promise<Bank[]> {
    if (type !== 'CREDIT_CARD' && type !== 'DEBIT_CARD') {
      throw new TypeError(`banks.list: type must be 'CREDIT_CARD' or 'DEBIT_CARD'`);
    }
    const res = await this.#ctx.transport.requestSigned(
      { method: 'GET', path: '/bank', query: { type } },
      options,
      this.#ctx.tokens,
    );
    const banks = res.data.banks;
    if (!Array.isArray(banks)) {
      throw new UmfApiError('GET /bank: the response has no banks array', {
        httpStatus: res.httpStatus,
        requestId: res.requestId,
      });
    }
    return banks as Bank[];
  }
}
