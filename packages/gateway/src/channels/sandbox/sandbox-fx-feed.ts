/**
 * The sandbox FX feed: rates live in the `fx_rates` table, seeded with fixed defaults on first use
 * and set by an operator (`umf-gateway fx set USD 7.1000`). Deterministic, so tests can compute
 * `total_cny` exactly.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { FxFeed } from '../channels.ts';
import { CURRENCIES, type Currency } from '../../money/currencies.ts';
import { parseRate } from '../../money/decimal.ts';
import { PreparedQuery } from '../../store/prepared.ts';

const rateOf = new PreparedQuery<[currency: string], { rate: string; updated_at: number | string | bigint }>(
  1,
  (db, [currency]) => db.selectFrom('fx_rates').select(['rate', 'updated_at']).where('currency', '=', currency),
);

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

export class SandboxFxFeed implements FxFeed {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }
  async rate(currency: Currency): Promise<{ rate: string; updatedAt: number } | undefined> {
    if (currency === 'CNY') return { rate: '1', updatedAt: 0 };
    // Read on every call: `umf-gateway fx set` counts from the next payment on.
    const row = await rateOf.takeFirst(this.#db, currency);
    if (row) return { rate: row.rate, updatedAt: Number(row.updated_at) };
    const fallback = DEFAULT_SANDBOX_RATES[currency];
    return fallback ? { rate: fallback, updatedAt: 0 } : undefined;
  }
}

/** Sets a sandbox rate (operator CLI). */
export async function setSandboxRate(
  db: Kysely<Database>,
  currency: string,
  rate: string,
  now = Date.now(),
): Promise<void> {
  if (!CURRENCIES.includes(currency as Currency) || currency === 'CNY')
    throw new Error(`unknown currency ${currency}: one of ${CURRENCIES.filter((c) => c !== 'CNY').join(', ')}`);
  if (!parseRate(rate)) throw new Error(`rate must be a positive decimal like 7.1234, got ${rate}`);
  await db
    .insertInto('fx_rates')
    .values({ currency, rate: rate.trim(), source: 'operator', updated_at: now })
    .onConflict((oc) => oc.column('currency').doUpdateSet({ rate: rate.trim(), source: 'operator', updated_at: now }))
    .execute();
}
