/**
 * Payments made up in bulk, as the gateway stores them (the repository's row shape, NewPayment), for
 * the console's search tests and bench/console-payments.ts: spread over `days` before `now`, several
 * merchants, states, methods and currencies in realistic proportions, card payments with last four
 * digits. Deterministic for a seed (mulberry32), so a test can count what a filter must find.
 */
import type { Store } from '../../src/store/database.ts';
import { newId } from '../../src/store/ids.ts';
import { MerchantRepository } from '../../src/merchants/merchant-repository.ts';
import { PaymentRepository, type NewPayment } from '../../src/payments/payment-repository.ts';
import type { PaymentState } from '../../src/payments/payment-state.ts';
import type { Currency } from '../../src/money/currencies.ts';

const DAY_MS = 86_400_000;

/** [value, weight]: what share of the payments have it. */
const STATES: ReadonlyArray<[PaymentState, number]> = [
  ['TRADE_SUCCESS', 70],
  ['TRADE_CLOSED', 12],
  ['WAIT_BUYER_PAY', 10],
  ['TRADE_FAIL', 6],
  ['TRADE_CANCEL', 2],
];
const METHODS: ReadonlyArray<[string, number]> = [
  ['CREDIT_CARD', 40],
  ['DEBIT_CARD', 15],
  ['WECHAT_SCAN', 15],
  ['ALIPAY_SCAN', 15],
  ['WECHAT_WEB', 6],
  ['B2C_ONLINE_BANKING', 5],
  ['WECHAT_IN_APP', 3],
  ['B2B_ONLINE_BANKING', 1],
];
const CURRENCIES: ReadonlyArray<[Currency, number]> = [
  ['USD', 35],
  ['CNY', 20],
  ['EUR', 12],
  ['JPY', 10],
  ['HKD', 8],
  ['GBP', 6],
  ['KRW', 4],
  ['AUD', 3],
  ['SGD', 2],
];

export interface SeedOptions {
  /** The newest a payment may be (epoch ms). */
  readonly now: number;
  readonly days: number;
  readonly merchantIds: readonly string[];
  readonly seed?: number;
}

/** A deterministic source of numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, table: ReadonlyArray<[T, number]>): T {
  const total = table.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [value, weight] of table) {
    r -= weight;
    if (r < 0) return value;
  }
  return table.at(-1)![0];
}

/** Makes payments `from` .. `from + count - 1` (the number makes the mer_reference_id unique). */
export function makePayments(options: SeedOptions, from: number, count: number, random: () => number): NewPayment[] {
  const out: NewPayment[] = [];
  for (let n = from; n < from + count; n++) {
    const createdAt = options.now - Math.floor(random() * options.days * DAY_MS);
    const state = pick(random, STATES);
    const method = pick(random, METHODS);
    const currency = pick(random, CURRENCIES);
    const card = method === 'CREDIT_CARD' || method === 'DEBIT_CARD';
    const amount = BigInt(100 + Math.floor(random() * 500_000));
    const merchantId = options.merchantIds[Math.floor(random() * options.merchantIds.length)]!;
    const paid = state === 'TRADE_SUCCESS' || state === 'TRADE_CANCEL';
    out.push({
      id: newId('P', createdAt),
      merchant_id: merchantId,
      mer_reference_id: `ORD${String(n).padStart(9, '0')}`,
      mer_date: new Date(createdAt + 8 * 3600_000).toISOString().slice(0, 10).replaceAll('-', ''),
      state,
      stage: state === 'WAIT_BUYER_PAY' ? 'created' : 'done',
      payment_method: method,
      interface_type: card ? 'SERVER_REST' : 'SERVER_TO_WEB',
      business_type: method === 'B2B_ONLINE_BANKING' ? 'B2B' : 'B2C',
      bank_code: null,
      currency,
      amount_minor: amount,
      total_cny_minor:
        currency === 'CNY' ? amount : (amount * 7n) / (currency === 'JPY' || currency === 'KRW' ? 100n : 1n),
      exchange_rate: currency === 'CNY' ? '1' : '7.0000',
      order_json: '{"sub_orders":[]}',
      payer_json: '{}',
      notify_url: `https://shop.example/${merchantId}/notify`,
      ret_url: null,
      expire_at: createdAt + 30 * 60_000,
      created_at: createdAt,
      updated_at: createdAt,
      version: paid ? 3 : 1,
      execute_success_at: paid ? createdAt + 5_000 : null,
      settle_date: null,
      card_last4: card ? String(Math.floor(random() * 10_000)).padStart(4, '0') : null,
      card_fingerprint: null,
      agreement_id: null,
      phone: null,
      sms_sent_count: card ? 1 : 0,
      sms_last_sent_at: null,
      sms_code_hash: null,
      sms_code_expires_at: null,
      verify_failures: 0,
      card_secret_enc: null,
      bank_resolve_at: null,
      failure_reason: state === 'TRADE_FAIL' ? 'payment_failed' : null,
      failure_detail: null,
      channel: null,
      wallet_json: null,
      prepay_id: null,
      enterprise_id: null,
    });
  }
  return out;
}

/** Creates the merchants (so the payments' foreign keys hold). */
export async function seedMerchants(store: Store, merchantIds: readonly string[], now: number): Promise<void> {
  const merchants = new MerchantRepository(store.db);
  await store.write(async (trx) => {
    for (const id of merchantIds)
      await merchants.insert(trx, {
        merchant: {
          id,
          name: `Shop ${id}`,
          clientId: `client-${id}`,
          encryption: 'oaep',
          acceptedCurrencies: null,
          status: 'ACTIVE',
        },
        clientSecretHash: 'x',
        serviceFeeBp: undefined,
        createdAt: now,
      });
  });
}

/** Seeds `count` payments in transactions of `batch` rows; returns nothing (the rows are regenerated from the seed). */
export async function seedPayments(
  store: Store,
  options: SeedOptions,
  count: number,
  batch = 10_000,
  onBatch?: (done: number) => void,
): Promise<void> {
  const payments = new PaymentRepository(store.db);
  const random = mulberry32(options.seed ?? 12);
  for (let from = 0; from < count; from += batch) {
    const rows = makePayments(options, from, Math.min(batch, count - from), random);
    await store.write((trx) => payments.insertMany(trx, rows));
    onBatch?.(from + rows.length);
  }
}
