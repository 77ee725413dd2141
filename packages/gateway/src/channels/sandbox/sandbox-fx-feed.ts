/**
 * The sandbox FX feed: rates live in the `fx_rates` table, seeded with fixed defaults on first use
 * and set by an operator (`umf-gateway fx set USD 7.1000`). Deterministic, so tests can compute
 * `total_cny` exactly.
 */
import type { Store } from '../../store/database.ts';
import type { Clock } from '../../time/clock.ts';
import type { FxFeed } from '../channels.ts';
import { CURRENCIES, type Currency } from '../../money/currencies.ts';
import { parseRate } from '../../money/decimal.ts';
import type { SandboxRepository } from './sandbox-repository.ts';
/** CNY per one unit; fixed sandbox defaults (not market data). */
export const DEFAULT_SANDBOX_RATES: Readonly<Record<Currency, string>> = {
  CNY: '1.0000',
  HKD: '0.9123',
  USD: '7.1234',
  EUR: '7.7021',
  JPY: '0.047312',
  GBP: '9.0417',
  AUD: '4.6520',
  CAD: '5.1810',
  NZD: '4.2095',
  SGD: '5.3012',
  KRW: '0.005117',
  CHF: '8.0234',
  SEK: '0.6712',
  DKK: '1.0325',
  NOK: '0.6601',
};

export interface SandboxFxFeedDeps {
  readonly store: Store;
  readonly sandbox: SandboxRepository;
  readonly clock: Clock;
}

export class SandboxFxFeed implements FxFeed {
  readonly #deps: SandboxFxFeedDeps;
  constructor(deps: SandboxFxFeedDeps) {
    this.#deps = deps;
  }

  async rate(currency: Currency): Promise<{ rate: string; updatedAt: number } | undefined> {
    if (currency === 'CNY') return { rate: '1', updatedAt: 0 };
    // Read on every call: `umf-gateway fx set` counts from the next payment on.
    const stored = await this.#deps.sandbox.rate(currency);
    if (stored) return stored;
    const fallback = DEFAULT_SANDBOX_RATES[currency];
    return fallback ? { rate: fallback, updatedAt: 0 } : undefined;
  }

  /** Sets a sandbox rate (operator CLI): CNY per one unit of `currency`. */
  async setRate(currency: string, rate: string): Promise<void> {
    const others: readonly string[] = CURRENCIES.filter((c) => c !== 'CNY');
    if (!others.includes(currency)) throw new RangeError(`unknown currency ${currency}: one of ${others.join(', ')}`);
    if (!parseRate(rate)) throw new RangeError(`rate must be a positive decimal like 7.1234, got ${rate}`);
    const { store, sandbox, clock } = this.#deps;
    await store.write((trx) => sandbox.setRate(trx, currency, rate.trim(), clock.now()));
  }
}
