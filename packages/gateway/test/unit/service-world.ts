/**
 * What every unit test of the services builds on: one gateway's composition root (createContext)
 * over a real SQLite database in a temp directory, the fake channels of ../helpers/fake-channels.ts
 * (sandbox off, so the fakes are the only parties) and a clock the test moves by hand; plus the few
 * steps the tests share (an order, a card payment paid, a refusal expected, the one notification).
 *
 *   test('a paid card payment notifies the merchant once', async (t) => {
 *     const w = await openWorld(t);                    // closed and deleted when the test ends
 *     const shop = await w.merchant();
 *     const paid = await w.payByCard(shop, { total: '100.02', currency: 'USD' });
 *     await assertNotifiedOnce(w, paid.id);
 *   });
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { openStore } from '../../src/store/database.ts';
import { createContext, loadKeys, type GatewayContext, type Repositories, type Services } from '../../src/context.ts';
import type { Clock } from '../../src/time/clock.ts';
import { chinaDate } from '../../src/time/china-time.ts';
import { DomainError, type Reason } from '../../src/errors/domain-error.ts';
import { encryptField } from '../../src/crypto/field-decryption.ts';
import { verifySha256WithRsa } from '../../src/crypto/rsa-signature.ts';
import { checkLedger } from '../../src/ledger/ledger-check-repository.ts';
import type { Merchant } from '../../src/merchants/merchant.ts';
import type { CreateMerchantInput } from '../../src/merchants/merchant-service.ts';
import { parseCreatePayment, type PaymentDraft } from '../../src/payments/payment-request.ts';
import type { PaymentRecord } from '../../src/payments/payment-record.ts';
import type { OutboxEntry } from '../../src/notifications/outbox-repository.ts';
import type { Currency } from '../../src/money/currencies.ts';
import { fakeChannels, type FakeChannels } from '../helpers/fake-channels.ts';

/** 2026-03-10 10:00 China time: where every world's clock starts. */
export const START = Date.parse('2026-03-10T10:00:00+08:00');
export const MINUTE = 60_000;
export const DAY = 86_400_000;

/** The rates a world's FX feed starts with (CNY per unit). */
export const RATES: Partial<Record<Currency, string>> = { USD: '6.9193', EUR: '7.8250', JPY: '0.0465' };

/** A clock that only moves when the test moves it. */
export class ManualClock implements Clock {
  #now: number;
  constructor(start = START) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

// A merchant public key from the fixtures, so that creating a merchant does not generate a key pair.
const MERCHANT_KEY_PEM = readFileSync(new URL('../fixtures/signature-vector-key.pub.pem', import.meta.url), 'utf8');

// Making the platform's key pair and certificate takes most of a world's start, so each test process
// makes one database with it (migrated, the platform key sealed under this process's master key) and
// every world starts from a copy of that file.
const MASTER_KEY = randomBytes(32).toString('base64');
let template: Promise<string> | undefined;

function templateDatabase(): Promise<string> {
  template ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'umf-unit-template-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'db.sqlite');
    const store = await openStore({ url: `sqlite:${file}`, walCheckpointer: false });
    try {
      await loadKeys({ dataDir: dir, masterKeyEnv: MASTER_KEY }, store);
    } finally {
      await store.close();
    }
    if (existsSync(`${file}-wal`)) throw new Error('the template database was not checkpointed on close');
    return file;
  })();
  return template;
}

export interface TestCard {
  readonly number: string;
  readonly cardType?: 'CREDIT_CARD' | 'DEBIT_CARD';
  readonly validDate?: string;
  readonly cvv2?: string;
  readonly holderName: string;
  readonly citizenId: string;
  readonly phone: string;
}

/** A credit card that passes every check of the gateway (Luhn, citizen id, phone). */
export const CARD: TestCard = {
  number: '6225760000040001',
  validDate: '2912',
  cvv2: '123',
  holderName: 'Zhang San',
  citizenId: '11010519491231002X',
  phone: '13800138000',
};
export const OTHER_CARD: TestCard = { ...CARD, number: '6225760000030002' };

export interface SubOrderSpec {
  readonly id: string;
  readonly total: string;
  readonly customs?: boolean;
  readonly items?: ReadonlyArray<{ readonly id: string; readonly total: string }>;
}

export interface OrderSpec {
  readonly method?: string;
  readonly interfaceType?: string;
  readonly total?: string;
  readonly currency?: string;
  readonly ref?: string;
  /** mer_date; the China date of the clock when absent. */
  readonly date?: string;
  /** expire_time in minutes; the config's 360 when absent. */
  readonly expireMinutes?: number;
  /** One sub-order of the whole amount when absent. */
  readonly subOrders?: readonly SubOrderSpec[];
  readonly agreement?: { readonly usr_busi_agreement_id: string; readonly usr_pay_agreement_id: string };
}

let seq = 0;
/** A merchant reference no other order of the process has. */
export function uniqueRef(label = 'ORD'): string {
  return `${label}${(++seq).toString().padStart(5, '0')}`;
}

export interface World {
  readonly context: GatewayContext;
  readonly services: Services;
  readonly repositories: Repositories;
  readonly fakes: FakeChannels;
  readonly clock: ManualClock;
  /** The China date of the clock (YYYYMMDD). */
  today(): string;
  merchant(input?: Partial<CreateMerchantInput>): Promise<Merchant>;
  /** The create-payment request body of `spec`, as a merchant sends it. */
  orderBody(spec?: OrderSpec): Record<string, unknown>;
  draft(spec?: OrderSpec): PaymentDraft;
  createPayment(merchant: Merchant, spec?: OrderSpec): Promise<PaymentRecord>;
  /** A verify body with the card's fields encrypted with the platform certificate (OAEP). */
  verifyBody(card?: TestCard): Record<string, unknown>;
  executeBody(code: string): Record<string, unknown>;
  /** Creates a card payment and pays it (verify, the code of the fake SMS, execute): TRADE_SUCCESS. */
  payByCard(merchant: Merchant, spec?: OrderSpec, card?: TestCard): Promise<PaymentRecord>;
  /** Creates a WeChat QR payment and pays it in the fake wallet: TRADE_SUCCESS. */
  payByWallet(merchant: Merchant, spec?: OrderSpec): Promise<PaymentRecord>;
  payment(paymentId: string): Promise<PaymentRecord>;
  close(): Promise<void>;
}

/** A fresh world for one test, closed (store) and deleted (temp dir) when the test ends. */
export async function openWorld(
  t: TestContext,
  options: { rates?: Partial<Record<Currency, string>> } = {},
): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'umf-unit-'));
  const file = join(dir, 'db.sqlite');
  copyFileSync(await templateDatabase(), file);
  // No WAL checkpointer thread: a test's database stays small, and the thread costs a world's start.
  const store = await openStore({ url: `sqlite:${file}`, walCheckpointer: false });
  const clock = new ManualClock();
  const fakes = fakeChannels({ rates: options.rates ?? RATES });
  let context: GatewayContext;
  try {
    context = await createContext(
      {
        config: {
          publicUrl: 'http://gateway.test',
          sandbox: false,
          tokenTtlSeconds: 3600,
          bodyLimit: 262144,
          defaultExpireMinutes: 360,
          sandboxAccess: 'loopback',
        },
        dataDir: dir,
        masterKeyEnv: MASTER_KEY,
        connectors: () => fakes,
        clock,
      },
      store,
    );
  } catch (error) {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const { services, repositories } = context;
  const today = () => chinaDate(clock.now());

  const orderBody = (spec: OrderSpec = {}): Record<string, unknown> => {
    const currency = spec.currency ?? 'USD';
    const total = spec.total ?? '100.02';
    const ref = spec.ref ?? uniqueRef();
    const subOrders = spec.subOrders ?? [{ id: `${ref}-1`, total }];
    return {
      payer: {
        payment_method: spec.method ?? 'CREDIT_CARD',
        interface_type: spec.interfaceType ?? 'SERVER_TO_SERVER',
        business_type: 'B2C',
        payer_info: { phone: CARD.phone, ...(spec.agreement ? { payer_agreement: spec.agreement } : {}) },
      },
      order: {
        mer_reference_id: ref,
        mer_date: spec.date ?? today(),
        amount: { total, currency },
        ...(spec.expireMinutes !== undefined ? { expire_time: String(spec.expireMinutes) } : {}),
        sub_orders: subOrders.map((sub) => ({
          mer_sub_reference_id: sub.id,
          amount: { total: sub.total, currency },
          trans_code: '01121990',
          is_customs: sub.customs ? 'TRUE' : 'FALSE',
          ...(sub.items
            ? {
                items: sub.items.map((item) => ({
                  mer_item_id: item.id,
                  type: 'CLOTHING',
                  name: item.id,
                  quantity: '1',
                  amount: { total: item.total, currency },
                })),
              }
            : {}),
        })),
      },
      notify_url: 'https://shop.test/umf/notify',
    };
  };

  const draft = (spec: OrderSpec = {}): PaymentDraft =>
    parseCreatePayment(orderBody(spec), {
      now: clock.now(),
      defaultExpireMinutes: context.config.defaultExpireMinutes,
    });

  const verifyBody = (card: TestCard = CARD): Record<string, unknown> => {
    const enc = (text: string) => encryptField(context.platform.publicKey, text, 'oaep');
    return {
      payer: {
        payer_info: {
          phone: card.phone,
          bank_card: {
            number: enc(card.number),
            ...(card.validDate ? { valid_date: enc(card.validDate) } : {}),
            ...(card.cvv2 ? { cvv2: enc(card.cvv2) } : {}),
            payer_name: enc(card.holderName),
            citizen_id_type: 'IDENTITY_CARD',
            citizen_id_number: enc(card.citizenId),
          },
        },
      },
    };
  };
  const executeBody = (code: string) => ({ payer: { payer_info: { verify_code: code } } });

  const payment = async (paymentId: string): Promise<PaymentRecord> => {
    const record = await repositories.payments.findById(paymentId);
    assert.ok(record, `payment ${paymentId} exists`);
    return record;
  };

  const world: World = {
    context,
    services,
    repositories,
    fakes,
    clock,
    today,
    merchant: async (input = {}) =>
      (await services.merchants.create({ name: 'Test Shop', publicKeyPem: MERCHANT_KEY_PEM, ...input })).merchant,
    orderBody,
    draft,
    createPayment: (merchant, spec = {}) => services.payments.create(merchant, draft(spec)),
    verifyBody,
    executeBody,
    payByCard: async (merchant, spec = {}, card = CARD) => {
      const created = await services.payments.create(merchant, draft({ method: card.cardType, ...spec }));
      await services.cards.verify(merchant, created.id, verifyBody(card));
      const paid = await services.cards.execute(merchant, created.id, executeBody(fakes.sms.codeFor(created.id)));
      assert.equal(paid.state, 'TRADE_SUCCESS', `card payment ${created.id} paid`);
      return paid;
    },
    payByWallet: async (merchant, spec = {}) => {
      const created = await services.payments.create(merchant, draft({ method: 'WECHAT_SCAN', ...spec }));
      const paid = await services.walletPayments.pay(created.id, 'WECHAT', 'success');
      assert.equal(paid.state, 'TRADE_SUCCESS', `wallet payment ${created.id} paid`);
      return paid;
    },
    payment,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  t.after(() => world.close());
  return world;
}

/** Expects the promise to be refused with `reason`; returns the DomainError for its detail and facts. */
export async function refused(promise: Promise<unknown>, reason: Reason): Promise<DomainError> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    assert.equal(error.reason, reason, `refused as ${reason}, not ${error.message}`);
    return error;
  }
  return assert.fail(`expected a refusal (${reason}), got ${JSON.stringify(outcome, bigints)}`);
}

function bigints(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}

/**
 * The one notification of a payment's final state: exactly one outbox row, to its notify_url, whose
 * body is the payment as the API presents it now, signed with the platform key.
 */
export async function assertNotifiedOnce(w: World, paymentId: string): Promise<OutboxEntry> {
  const rows = await w.repositories.outbox.forObject(paymentId);
  assert.equal(rows.length, 1, `one notification of ${paymentId}, found ${rows.length}`);
  const row = rows[0]!;
  const record = await w.payment(paymentId);
  assert.equal(row.objectType, 'payment');
  assert.equal(row.url, record.notify_url);
  assert.deepEqual(JSON.parse(row.body), { payment: await w.services.payments.present(record) });
  assert.ok(verifySha256WithRsa(w.context.platform.publicKey, row.body, row.signature), 'signed by the platform');
  return row;
}

/** How many ledger entries of `kind` an object has. */
export async function ledgerEntries(w: World, objectId: string, kind: string): Promise<number> {
  const rows = await w.context.db
    .selectFrom('ledger_entries')
    .select('id')
    .where('object_id', '=', objectId)
    .where('kind', '=', kind)
    .execute();
  return rows.length;
}

/** checkLedger says the ledger balances and agrees with the payments, refunds and settlements. */
export async function assertLedgerOk(w: World): Promise<void> {
  const result = await checkLedger(w.context.db);
  assert.ok(result.ok, result.problems.join('\n'));
}

/** A code of six digits that is not `code`. */
export function wrongCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}
