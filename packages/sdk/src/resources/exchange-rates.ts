import { UmfApiError } from '../errors.ts';
import type { ExchangeRate, RequestOptions } from '../types.ts';
import type { ClientContext } from './context.ts';

/** `client.exchangeRates`. */
export class ExchangeRates {
  readonly #ctx: ClientContext;
  constructor(ctx: ClientContext) {
    this.#ctx = ctx;
  }

  /** `GET /exchange_rate?currency=...`: CNY per unit of `currency`, e.g. `{ currency: 'USD', rate: '6.9023' }`. */
  async get(currency: string, options: RequestOptions = {}): Promise<ExchangeRate> {
    if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) {
      throw new TypeError('exchangeRates.get: currency must be an ISO 4217 code such as "USD"');
    }
    const code = currency.toUpperCase();
    const res = await this.#ctx.transport.requestSigned(
      { method: 'GET', path: '/exchange_rate', query: { currency: code } },
      options,
      this.#ctx.tokens,
    );
    // The reference spells the member exchangeRates, real responses exchange_rates: read either.
    const list = res.data.exchange_rates ?? res.data.exchangeRates;
    const found = Array.isArray(list)
      ? (list as Array<{ currency?: unknown; rate?: unknown }>).find(
          (r) => r && typeof r.currency === 'string' && r.currency.toUpperCase() === code,
        )
      : undefined;
    // Be liberal: a numeric rate is accepted and returned as its string form.
    if (!found || (typeof found.rate !== 'string' && typeof found.rate !== 'number')) {
      throw new UmfApiError(`GET /exchange_rate: the response has no rate for ${code}`, {
        httpStatus: res.httpStatus,
        requestId: res.requestId,
      });
    }
    return { ...(found as object), currency: code, rate: String(found.rate) };
  }
}
