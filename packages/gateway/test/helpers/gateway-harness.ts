/**
 * Starts a real gateway (HTTP on 127.0.0.1, port 0) on a test database, with a controllable clock,
 * and speaks the UMF protocol to it the way a merchant does: token, signed POSTs, encrypted card
 * fields. API tests read like a merchant's integration.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate, type KeyObject } from 'node:crypto';
import { startGateway, type FtpOptions, type Gateway } from '../../src/gateway.ts';
import type { ArchiveLimits } from '../../src/documents/document-archive.ts';
import type { OutboundSettings } from '../../src/outbound/outbound-policy.ts';
import type { SettlementSchedule } from '../../src/settlement/settlement-schedule.ts';
import type { ChannelsFactory } from '../../src/channels/connectors.ts';
import { signSha256WithRsa, verifySha256WithRsa } from '../../src/crypto/rsa-signature.ts';
import { encryptField, type FieldEncryption } from '../../src/crypto/field-decryption.ts';
import { signedTextOf } from '../../src/http/signed-body.ts';
import type { TestDatabaseKind } from './test-databases.ts';

export class TestClock {
  offset = 0;
  #frozenAt: number | undefined;
  now = (): number => this.#frozenAt ?? Date.now() + this.offset;
  advance(ms: number): void {
    if (this.#frozenAt !== undefined) this.#frozenAt += ms;
    else this.offset += ms;
  }
  /**
   * Stops time until the returned function is called (then it runs on from where it stood, advances
   * included): for assertions about waits of a second or two that a loaded machine must not outlast.
   */
  freeze(): () => void {
    const at = this.now();
    this.#frozenAt = at;
    return () => {
      if (this.#frozenAt === undefined) return;
      this.offset = this.#frozenAt - Date.now();
      this.#frozenAt = undefined;
    };
  }
}

export interface TestMerchant {
  readonly id: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly privateKey: KeyObject;
  readonly encryption: FieldEncryption;
  /** Its account on the documents FTP server. */
  readonly ftp: { readonly user: string; readonly password: string };
}

export interface ApiResponse {
  readonly status: number;
  readonly text: string;
  readonly json: any;
  readonly headers: Headers;
}

export interface Harness {
  readonly gateway: Gateway;
  readonly baseUrl: string;
  readonly api: string;
  readonly clock: TestClock;
  readonly platformCert: X509Certificate;
  readonly dataDir: string;
  /** The documents FTP server's port (when started with `ftp`), on 127.0.0.1. */
  readonly ftpPort: number;
  merchant(options?: { encryption?: FieldEncryption; name?: string; currencies?: string[] }): Promise<TestMerchant>;
  token(merchant: TestMerchant): Promise<string>;
  /** A signed request as the merchant (token fetched and cached per merchant). */
  call(
    merchant: TestMerchant,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse>;
  encrypt(merchant: TestMerchant, plaintext: string): string;
  /** True when meta.sign verifies over the documented bytes with the platform certificate. */
  verifies(text: string): boolean;
  close(): Promise<void>;
}

export async function startHarness(
  kind: TestDatabaseKind,
  options: {
    lateBankDelayMs?: number;
    workers?: boolean;
    tokenTtlSeconds?: number;
    logger?: any;
    /** Who may call the sandbox JSON endpoints (default `loopback`, as a gateway on 127.0.0.1). */
    sandboxAccess?: 'loopback' | 'token' | 'public';
    settlement?: SettlementSchedule;
    settlementCheckMs?: number;
    /** The outbound address policy (default: the sandbox-on-loopback default, internal addresses allowed). */
    outbound?: OutboundSettings;
    /** A live gateway (UMF_MODE=live): no sandbox; `channels` must then give every channel. */
    live?: { readonly channels: ChannelsFactory };
    /** Start the documents FTP server too (port 0). */
    ftp?: FtpOptions;
    documentLimits?: Partial<ArchiveLimits>;
  } = {},
): Promise<Harness> {
  const database = await kind.open();
  const dataDir = mkdtempSync(join(tmpdir(), 'umf-harness-'));
  const clock = new TestClock();
  const gateway = await startGateway({
    databaseUrl: database.url,
    dataDir,
    publicUrl: 'http://127.0.0.1:0',
    clock,
    workers: options.workers ?? true,
    notifierPollMs: 50,
    // Settlement runs only when a test asks for it (a test clock moved past 02:00 would start it).
    settlement: options.settlement ?? { cutoffMinutes: 0, runAtMinutes: undefined },
    ...(options.settlementCheckMs !== undefined ? { settlementCheckMs: options.settlementCheckMs } : {}),
    ...(options.lateBankDelayMs !== undefined ? { lateBankDelayMs: options.lateBankDelayMs } : {}),
    ...(options.tokenTtlSeconds !== undefined ? { tokenTtlSeconds: options.tokenTtlSeconds } : {}),
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    ...(options.outbound !== undefined ? { outbound: options.outbound } : {}),
    ...(options.sandboxAccess !== undefined ? { sandboxAccess: options.sandboxAccess } : {}),
    ...(options.live ? { sandbox: false, channels: options.live.channels } : {}),
    ...(options.ftp ? { ftp: options.ftp } : {}),
    ...(options.documentLimits ? { documentLimits: options.documentLimits } : {}),
  });
  const address = await gateway.listen(0, '127.0.0.1');
  if (options.ftp) await gateway.listenFtp(0, '127.0.0.1');
  // Links carry the public URL; now that the port is known, point it at the real one.
  (gateway.context.config as { publicUrl: string }).publicUrl = address;
  const api = `${address}/cberest/v1`;
  const tokens = new Map<string, string>();
  const platformCert = new X509Certificate(gateway.context.platform.certificatePem);

  async function token(merchant: TestMerchant): Promise<string> {
    const res = await fetch(`${api}/oauth/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: merchant.clientId,
        client_secret: merchant.clientSecret,
        grant_type: 'client_credentials',
      }),
    });
    const body = (await res.json()) as { access_token?: string };
    if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
    tokens.set(merchant.id, body.access_token);
    return body.access_token;
  }

  return {
    gateway,
    baseUrl: address,
    api,
    clock,
    platformCert,
    dataDir,
    ftpPort: gateway.ftp?.port ?? 0,
    async merchant(opts = {}) {
      const created = await gateway.context.services.merchants.create({
        name: opts.name ?? 'Test Shop',
        encryption: opts.encryption ?? 'oaep',
        acceptedCurrencies: opts.currencies ?? null,
      });
      return {
        id: created.merchant.id,
        clientId: created.merchant.clientId,
        clientSecret: created.clientSecret,
        privateKey: created.generatedPrivateKey!,
        encryption: created.merchant.encryption,
        ftp: created.ftp,
      };
    },
    token,
    async call(merchant, method, path, body, headers = {}) {
      const bearer = tokens.get(merchant.id) ?? (await token(merchant));
      const raw = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const res = await fetch(path.startsWith('http') ? path : `${api}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${bearer}`,
          'content-type': 'application/json',
          ...(method === 'POST' ? { signature: signSha256WithRsa(merchant.privateKey, raw ?? '') } : {}),
          ...headers,
        },
        ...(raw !== undefined ? { body: raw } : {}),
      });
      return readResponse(res);
    },
    encrypt(merchant, plaintext) {
      return encryptField(platformCert.publicKey, plaintext, merchant.encryption);
    },
    verifies(text) {
      const sign = (JSON.parse(text) as { meta: { sign: string } }).meta.sign;
      return verifySha256WithRsa(platformCert.publicKey, signedTextOf(text), sign);
    },
    async close() {
      await gateway.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Reads a fetch Response as the tests look at it: status, raw text (for signatures), JSON when it is JSON. */
export async function readResponse(res: Response): Promise<ApiResponse> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

/** ROUND_HALF_UP of amount x rate to the fen, from decimal strings only: the tests' own oracle for total_cny. */
export function expectedCny(total: string, rate: string): string {
  const [tw, tf = ''] = total.split('.');
  const [rw, rf = ''] = rate.split('.');
  const numerator = BigInt(tw! + tf) * BigInt(rw! + rf) * 100n;
  const denominator = 10n ** BigInt(tf.length + rf.length);
  const fen = (numerator * 2n + denominator) / (denominator * 2n);
  const text = fen.toString().padStart(3, '0');
  return `${text.slice(0, -2)}.${text.slice(-2)}`;
}

/** A success answer: the status, ret_code 0000, and a response signature that verifies. */
export function expectOk(h: Harness, res: ApiResponse, status = 200): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json?.meta?.ret_code, '0000', res.text);
  assert.ok(h.verifies(res.text), `response is signed: ${res.text.slice(0, 200)}`);
}

/** An error answer: the catalogue code, its HTTP status, and a signature that verifies. */
export function expectError(h: Harness, res: ApiResponse, status: number, code: string): void {
  assert.equal(res.json?.meta?.ret_code, code, res.text);
  assert.equal(res.status, status, res.text);
  assert.ok(h.verifies(res.text), `error is signed: ${res.text}`);
}

/** A card payment order like the reference's sample (USD, two sub-orders, items that add up). */
export function sampleOrder(merReferenceId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const merDate = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');
  return {
    payer: { payment_method: 'CREDIT_CARD', bank_code: 'CCB', payer_info: { phone: '13800138000' } },
    order: {
      mer_reference_id: merReferenceId,
      mer_date: merDate,
      amount: { total: '100.02', currency: 'USD' },
      order_summary: 'Two T-shirts and a jacket',
      expire_time: '360',
      sub_orders: [
        {
          mer_sub_reference_id: `${merReferenceId}-1`,
          amount: { total: '50.02', currency: 'USD' },
          trans_code: '01121990',
          is_customs: 'TRUE',
          items: [
            {
              mer_item_id: 'tee',
              type: 'CLOTHING',
              name: 'T-shirt',
              description: 'Cotton T-shirt',
              quantity: '2',
              amount: { total: '30.02', currency: 'USD' },
            },
            {
              mer_item_id: 'cap',
              type: 'CLOTHING',
              name: 'Cap',
              description: 'Cap',
              quantity: '1',
              amount: { total: '20.00', currency: 'USD' },
            },
          ],
        },
        {
          mer_sub_reference_id: `${merReferenceId}-2`,
          amount: { total: '50.00', currency: 'USD' },
          trans_code: '01122030',
        },
      ],
    },
    notify_url: 'http://127.0.0.1:9/notify',
    ...overrides,
  };
}
