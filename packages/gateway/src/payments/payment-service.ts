/**
 * The payment flows: create, card verification (SMS), execute (bank debit), query, expiry and the
 * late bank's answer. Every state change goes through payment-state.ts and commits together with
 * its timeline event and its merchant notification (outbox).
 */
import { randomInt, timingSafeEqual } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { GatewayContext } from '../context.ts';
import { apiUrl } from '../context.ts';
import type { Database } from '../store/schema.ts';
import { toMinor } from '../store/schema.ts';
import { newId, randomId } from '../store/ids.ts';
import { isUniqueViolation } from '../store/unique-violation.ts';
import { PreparedInsert } from '../store/prepared.ts';
import { RET, UmfError, type RetCodeEntry } from '../errors/catalogue.ts';
import { convertToCny, formatAmount, parseRate } from '../money/decimal.ts';
import type { Merchant } from '../merchants/merchant-service.ts';
import { enqueueNotification } from '../notifications/outbox.ts';
import { postPaymentSuccess } from '../ledger/postings.ts';
import { signSha256WithRsa } from '../crypto/rsa-signature.ts';
import { FieldDecryptionError } from '../crypto/field-decryption.ts';
import { parseCreatePayment, type PaymentDraft } from './payment-request.ts';
import { rememberViews, renderPayment, type AgreementView, type PaymentRow, type PaymentUrls } from './payment-view.ts';
import { chinaDate } from '../time/china-time.ts';
import { transition, type PaymentStage, type PaymentState } from './payment-state.ts';
import { findMerchantPayment } from './merchant-payment.ts';
import { recordPaymentEvent } from './payment-timeline.ts';
import { citizenIdValid, expiryEnd, last4, luhnValid, normalisePhone } from './cards.ts';
import type { CardCheck, CardData, WalletProvider } from '../channels/channels.ts';

/**
 * `resumed`: this is the same request (same Idempotency-Key, same bytes) as an attempt that crashed
 * before its answer was stored (http/idempotency.ts). If that attempt's work committed, the answer
 * is the object it produced rather than a duplicate or state error.
 */
export interface Resumable {
  readonly resumed?: boolean;
}

export const SMS_MAX_PER_PAYMENT = 5;
export const SMS_MIN_INTERVAL_MS = 60_000;
export const SMS_CODE_TTL_MS = 5 * 60_000;
export const MAX_WRONG_CODES = 5;

type Db = GatewayContext['db'] | Transaction<Database>;

/** The columns create writes: every column but those with defaults (migrations 003, 004). */
const insertPayment = new PreparedInsert('payments', [
  'id',
  'merchant_id',
  'mer_reference_id',
  'mer_date',
  'state',
  'stage',
  'payment_method',
  'interface_type',
  'business_type',
  'bank_code',
  'currency',
  'amount_minor',
  'total_cny_minor',
  'exchange_rate',
  'order_json',
  'payer_json',
  'notify_url',
  'ret_url',
  'expire_at',
  'created_at',
  'updated_at',
  'version',
  'execute_success_at',
  'settle_date',
  'card_last4',
  'card_fingerprint',
  'agreement_id',
  'phone',
  'sms_sent_count',
  'sms_last_sent_at',
  'sms_code_hash',
  'sms_code_expires_at',
  'verify_failures',
  'card_secret_enc',
  'bank_resolve_at',
  'bank_outcome',
  'error_code',
  'error_msg',
  'channel',
  'wallet_json',
]);

export class PaymentService {
  readonly #ctx: GatewayContext;
  readonly #notify: () => void;
  constructor(ctx: GatewayContext, notify: () => void) {
    this.#ctx = ctx;
    this.#notify = notify;
  }

  get #urls(): PaymentUrls {
    const ctx = this.#ctx;
    return {
      api: apiUrl(ctx, ''),
      checkout: (id) => `${ctx.config.publicUrl}/checkout/${id}?t=${ctx.pageTokens.token('checkout', id)}`,
    };
  }

  // ---- create -------------------------------------------------------------------------------

  async create(merchant: Merchant, body: Record<string, unknown>, options: Resumable = {}): Promise<PaymentRow> {
    const { db, clock, config, channels } = this.#ctx;
    const now = clock.now();
    const draft = parseCreatePayment(body, {
      now,
      defaultExpireMinutes: config.defaultExpireMinutes,
      acceptedCurrencies: merchant.acceptedCurrencies,
    });
    if (draft.agreement)
      await this.#loadAgreement(merchant, draft.agreement.usrBusiAgreementId, draft.agreement.usrPayAgreementId);
    const quoted = await channels.fx.rate(draft.currency);
    const rate = quoted ? parseRate(quoted.rate) : null;
    if (!quoted || !rate) throw new UmfError(RET.EXCHANGE_RATE_ERROR, `no exchange rate for ${draft.currency}`);
    const totalCny = convertToCny(draft.amountMinor, draft.currency, rate);
    const id = randomId('PAY_');
    const wallet = await this.#walletData(merchant, id, draft, now);
    const order = orderView(draft);
    const payer = payerView(draft);
    const values = {
      id,
      merchant_id: merchant.id,
      mer_reference_id: draft.merReferenceId,
      mer_date: draft.merDate,
      state: 'WAIT_BUYER_PAY',
      stage: 'created',
      payment_method: draft.paymentMethod,
      interface_type: draft.interfaceType,
      business_type: draft.businessType,
      bank_code: draft.bankCode ?? null,
      currency: draft.currency,
      amount_minor: draft.amountMinor,
      total_cny_minor: totalCny,
      exchange_rate: quoted.rate,
      order_json: JSON.stringify(order),
      payer_json: JSON.stringify(payer),
      notify_url: draft.notifyUrl,
      ret_url: draft.retUrl ?? null,
      expire_at: draft.expireAt,
      created_at: now,
      updated_at: now,
      version: 1,
      execute_success_at: null,
      settle_date: null,
      card_last4: null,
      card_fingerprint: null,
      agreement_id: draft.agreement?.usrPayAgreementId ?? null,
      phone: draft.phone ?? null,
      sms_sent_count: 0,
      sms_last_sent_at: null,
      sms_code_hash: null,
      sms_code_expires_at: null,
      verify_failures: 0,
      card_secret_enc: null,
      bank_resolve_at: null,
      bank_outcome: null,
      error_code: null,
      error_msg: null,
      channel:
        draft.interfaceType === 'SERVER_TO_SERVER' || draft.interfaceType === 'DIRECT_TO_BANK'
          ? draft.paymentMethod
          : draft.paymentMethod === 'NOT_APPLICABLE'
            ? null
            : draft.paymentMethod,
      wallet_json: wallet ? JSON.stringify(wallet) : null,
    };
    try {
      await this.#ctx.store.write(async (trx) => {
        await insertPayment.run(trx, values);
        await recordPaymentEvent(
          trx,
          id,
          now,
          'created',
          `${formatAmount(draft.amountMinor, draft.currency)} ${draft.currency} at ${quoted.rate}`,
        );
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        if (options.resumed) {
          // The crashed first attempt of this very request created it: answer with that payment.
          const first = await db
            .selectFrom('payments')
            .selectAll()
            .where('merchant_id', '=', merchant.id)
            .where('mer_reference_id', '=', draft.merReferenceId)
            .where('mer_date', '=', draft.merDate)
            .executeTakeFirst();
          if (first && toMinor(first.amount_minor) === draft.amountMinor && first.currency === draft.currency)
            return first;
        }
        throw new UmfError(RET.DUPLICATE_ORDER, `${draft.merReferenceId} / ${draft.merDate}`);
      }
      throw error;
    }
    // The row just inserted, with the column defaults of migrations 003 and 004, is the payment as
    // the database now holds it: no need to read it back.
    return rememberViews(
      {
        ...values,
        refunded_minor: 0,
        refunded_cny_minor: 0,
        settlement_id: null,
        service_fee_minor: null,
        settled_minor: null,
      },
      order,
      payer,
    );
  }

  /** What the wallet needs for this payment: a QR URL, or a WeChat prepay order and its pay_info. */
  async #walletData(
    merchant: Merchant,
    paymentId: string,
    draft: PaymentDraft,
    now: number,
  ): Promise<Record<string, unknown> | undefined> {
    const { wallet } = this.#ctx.channels;
    const web = draft.interfaceType === 'SERVER_TO_WEB' || draft.interfaceType === 'SERVER_TO_H5WEB';
    if (web) return undefined;
    switch (draft.paymentMethod) {
      case 'WECHAT_SCAN':
        return { qr_code_url: wallet.qrCodeUrl(paymentId, 'WECHAT') };
      case 'ALIPAY_SCAN':
        return { qr_code_url: wallet.qrCodeUrl(paymentId, 'ALIPAY') };
      case 'WECHAT_WEB': {
        const known = await this.#ctx.db
          .selectFrom('wechat_open_ids')
          .select('open_id')
          .where('open_id', '=', draft.openId!)
          .where('merchant_id', '=', merchant.id)
          .executeTakeFirst();
        if (!known)
          throw new UmfError(
            RET.VALIDATION,
            'payer.payer_info.wechat_in_app_web.open_id was not issued to this merchant: get it from /payments/wechat_openid',
          );
        const { prepayId, payInfo } = wallet.prepay({ paymentId, kind: 'JSAPI', openId: draft.openId!, now });
        return { open_id: draft.openId, prepay_id: prepayId, pay_info: payInfo };
      }
      case 'WECHAT_IN_APP': {
        const { prepayId, payInfo } = wallet.prepay({ paymentId, kind: 'APP', now });
        return { prepay_id: prepayId, pay_info: payInfo };
      }
      default:
        return undefined;
    }
  }

  // ---- query --------------------------------------------------------------------------------

  /** A merchant's payment (404 for anyone else's), closing it first if it has expired. */
  async get(merchant: Merchant, paymentId: string): Promise<PaymentRow> {
    const row = await findMerchantPayment(this.#ctx.db, merchant, paymentId);
    if (row.state === 'WAIT_BUYER_PAY' && Number(row.expire_at) <= this.#ctx.clock.now()) {
      await this.closeExpired(row);
      return this.#get(row.id);
    }
    return row;
  }

  async render(row: PaymentRow): Promise<Record<string, unknown>> {
    return renderPayment(row, this.#urls, await this.#agreementView(row));
  }

  // ---- card verification (SMS) ----------------------------------------------------------------

  async verify(
    merchant: Merchant,
    paymentId: string,
    body: Record<string, unknown>,
    options: Resumable = {},
  ): Promise<PaymentRow> {
    if (options.resumed) {
      // The crashed first attempt of this very request sent the code: answer as it would have.
      const first = await findMerchantPayment(this.#ctx.db, merchant, paymentId);
      if (first.state === 'WAIT_BUYER_PAY' && first.stage === 'sms_sent') return first;
    }
    const row = await this.#openForPayer(merchant, paymentId);
    this.#checkSmsAllowed(row);
    const card = await this.#cardFromRequest(merchant, row, body);
    return this.#sendCode(row, card);
  }

  /** The hosted checkout's card step: plaintext card data typed by the payer on our own page. */
  async checkoutSendCode(paymentId: string, input: CheckoutCardInput): Promise<PaymentRow> {
    const row = await this.#openById(paymentId);
    const methods = checkoutMethods(row);
    if (!methods.includes(input.cardType))
      throw new UmfError(RET.CARD_UNSUPPORTED, `this payment does not take ${input.cardType}`);
    this.#checkSmsAllowed(row);
    const data = validateCard({ ...input, citizenIdType: 'IDENTITY_CARD' });
    return this.#sendCode(
      row,
      { data, fingerprint: this.#ctx.cardVault.fingerprint(`pan:${data.number}`) },
      input.cardType,
    );
  }

  #checkSmsAllowed(row: PaymentRow): void {
    if (row.stage !== 'created' && row.stage !== 'sms_sent') throw new UmfError(RET.PAYMENT_IN_PROCESS);
    const now = this.#ctx.clock.now();
    if (row.sms_sent_count >= SMS_MAX_PER_PAYMENT) throw new UmfError(RET.SMS_TOO_MANY);
    if (row.sms_last_sent_at !== null && now - Number(row.sms_last_sent_at) < SMS_MIN_INTERVAL_MS)
      throw new UmfError(RET.SMS_TOO_FREQUENT);
  }

  /** Has the bank check the card, then sends an SMS code and keeps the card sealed until execute. */
  async #sendCode(
    row: PaymentRow,
    card: { data: CardData; fingerprint: string; agreementId?: string },
    channel?: string,
  ): Promise<PaymentRow> {
    const { db, clock, channels, cardVault } = this.#ctx;
    const now = clock.now();
    // A payer agreement stands for the bank's earlier check of this card, whose CVV2 is never kept.
    const check = card.agreementId
      ? agreementCardCheck(card.data, now)
      : await channels.cardBank.checkCard(card.data, now);
    if (!check.ok) {
      await recordPaymentEvent(
        db,
        row.id,
        now,
        'card_rejected',
        `${check.error.code} card ending ${last4(card.data.number)}`,
      );
      throw new UmfError(check.error);
    }
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const sealed = cardVault.seal(JSON.stringify(card.data), `payment:${row.id}`);
    await db.transaction().execute(async (trx) => {
      // The SMS limits hold in SQL too: the update only matches the counter and time we read.
      let query = trx
        .updateTable('payments')
        .set({
          stage: 'sms_sent',
          sms_sent_count: row.sms_sent_count + 1,
          sms_last_sent_at: now,
          sms_code_hash: this.#codeHash(row.id, code),
          sms_code_expires_at: now + SMS_CODE_TTL_MS,
          verify_failures: 0,
          card_secret_enc: sealed,
          card_last4: last4(card.data.number),
          card_fingerprint: card.fingerprint,
          agreement_id: card.agreementId ?? row.agreement_id,
          phone: card.data.phone,
          channel: channel ?? row.channel ?? row.payment_method,
          updated_at: now,
          version: row.version + 1,
        })
        .where('id', '=', row.id)
        .where('version', '=', row.version)
        .where('state', '=', 'WAIT_BUYER_PAY')
        .where('sms_sent_count', '=', row.sms_sent_count);
      const result = await query.executeTakeFirst();
      if (result.numUpdatedRows !== 1n)
        throw new UmfError(RET.SMS_TOO_FREQUENT, 'another verification request for this payment is in progress');
      await channels.sms.send(trx, { phone: card.data.phone, code, paymentId: row.id, sentAt: now });
      await recordPaymentEvent(
        trx,
        row.id,
        now,
        'sms_sent',
        `code sent to ${maskPhone(card.data.phone)} (${row.sms_sent_count + 1}/${SMS_MAX_PER_PAYMENT})`,
      );
    });
    return this.#get(row.id);
  }

  // ---- execute -----------------------------------------------------------------------------------

  async execute(
    merchant: Merchant,
    paymentId: string,
    body: Record<string, unknown>,
    options: Resumable = {},
  ): Promise<PaymentRow> {
    if (options.resumed) {
      // The crashed first attempt of this very request paid it, was declined (answered 200
      // TRADE_FAIL), or the bank said it answers later:
      // answer with the payment as that attempt would have. (One cut off while the bank was being
      // asked is still 00060761 "in process" until the bank poller finishes it; its notification
      // tells the outcome.)
      const first = await findMerchantPayment(this.#ctx.db, merchant, paymentId);
      if (
        first.state === 'TRADE_SUCCESS' ||
        first.state === 'TRADE_FAIL' ||
        (first.state === 'WAIT_BUYER_PAY' && first.stage === 'bank_pending')
      )
        return first;
    }
    const row = await this.#openForPayer(merchant, paymentId);
    const code = verifyCodeOf(body);
    if (!code) throw new UmfError(RET.VALIDATION, 'payer.payer_info.verify_code is required');
    return this.#executeWithCode(row, code);
  }

  /** The hosted checkout's last card step: the payer types the SMS code. */
  async checkoutExecute(paymentId: string, code: string): Promise<PaymentRow> {
    const row = await this.#openById(paymentId);
    if (!checkoutMethods(row).some((m) => m === 'CREDIT_CARD' || m === 'DEBIT_CARD'))
      throw new UmfError(RET.VALIDATION, 'this payment is not paid by card');
    if (!/^\d{4,8}$/.test(code.trim())) throw new UmfError(RET.SMS_CODE_INCORRECT);
    return this.#executeWithCode(row, code.trim());
  }

  async #executeWithCode(row: PaymentRow, code: string): Promise<PaymentRow> {
    const { db, clock, channels, cardVault } = this.#ctx;
    if (row.stage === 'processing' || row.stage === 'bank_pending') throw new UmfError(RET.PAYMENT_IN_PROCESS);
    if (row.stage !== 'sms_sent' || !row.sms_code_hash)
      throw new UmfError(RET.SMS_CODE_NOT_FOUND, 'request a verification code first (verify)');
    const now = clock.now();
    if (row.sms_code_expires_at !== null && Number(row.sms_code_expires_at) <= now)
      throw new UmfError(RET.SMS_CODE_NOT_FOUND, 'the verification code has expired: request a new one');

    // Each guess takes one of the MAX_WRONG_CODES attempts in a single conditional update before it
    // is compared, so concurrent guesses are all counted and never more than the limit are compared.
    const attempt = await db
      .updateTable('payments')
      .set((eb) => ({ verify_failures: eb('verify_failures', '+', 1) }))
      .where('id', '=', row.id)
      .where('state', '=', 'WAIT_BUYER_PAY')
      .where('stage', '=', 'sms_sent')
      .where('verify_failures', '<', MAX_WRONG_CODES)
      .returning('verify_failures')
      .executeTakeFirst();
    if (!attempt) {
      // Another request changed the payment since we read it: say what it is now.
      const current = await this.#get(row.id);
      if (current.state !== 'WAIT_BUYER_PAY') throw finalStateError(current.state);
      if (current.stage === 'sms_sent') throw new UmfError(RET.SMS_CODE_LOCKED);
      throw new UmfError(RET.PAYMENT_IN_PROCESS);
    }
    const expected = Buffer.from(row.sms_code_hash, 'hex');
    const actual = Buffer.from(this.#codeHash(row.id, code), 'hex');
    if (!timingSafeEqual(expected, actual)) {
      const failures = Number(attempt.verify_failures);
      if (failures >= MAX_WRONG_CODES) {
        await this.#finish(row, 'sms_sent', 'TRADE_FAIL', now, { error: RET.SMS_CODE_LOCKED });
        throw new UmfError(RET.SMS_CODE_LOCKED);
      }
      await recordPaymentEvent(db, row.id, now, 'wrong_code', `${failures}/${MAX_WRONG_CODES}`);
      throw new UmfError(RET.SMS_CODE_INCORRECT, `${MAX_WRONG_CODES - failures} attempts left`);
    }

    // Claim the payment for this execution: only one concurrent execute gets past this update.
    const claimed = await transition(
      db,
      row.id,
      { state: 'WAIT_BUYER_PAY', stage: 'sms_sent', version: row.version },
      { state: 'WAIT_BUYER_PAY', stage: 'processing' },
      { sms_code_hash: null },
      now,
    );
    if (!claimed) throw new UmfError(RET.PAYMENT_IN_PROCESS);
    const processing = await this.#get(row.id);

    if (!row.card_secret_enc || !row.card_fingerprint) throw new UmfError(RET.SYSTEM_ERROR);
    const card = JSON.parse(cardVault.open(row.card_secret_enc, `payment:${row.id}`)) as CardData;
    const result = await channels.cardBank.debit({
      paymentId: row.id,
      card,
      cardFingerprint: row.card_fingerprint,
      amountFen: toMinor(row.total_cny_minor),
      now,
    });
    if (result.outcome === 'pending') {
      // The bank has the card data now: the CVV2 is destroyed here. The rest stays sealed until the
      // bank's final answer, so that a late success still issues the payer agreement.
      const { cvv2: _destroyed, ...withoutCvv2 } = card;
      const resealed = cardVault.seal(JSON.stringify(withoutCvv2), `payment:${row.id}`);
      await db.transaction().execute(async (trx) => {
        const ok = await transition(
          trx,
          row.id,
          { state: 'WAIT_BUYER_PAY', stage: 'processing' },
          { state: 'WAIT_BUYER_PAY', stage: 'bank_pending' },
          { card_secret_enc: resealed, bank_resolve_at: result.retryAt },
          now,
        );
        if (ok) await recordPaymentEvent(trx, row.id, now, 'bank_pending', 'the bank has not answered yet');
      });
      return this.#get(row.id);
    }
    if (result.outcome === 'success') await this.#finish(processing, 'processing', 'TRADE_SUCCESS', now, { card });
    else await this.#finish(processing, 'processing', 'TRADE_FAIL', now, { error: result.error });
    return this.#get(row.id);
  }

  // ---- wallets (WeChat Pay, Alipay) -------------------------------------------------------------

  /**
   * The payer paid (or failed to pay) in a wallet: the sandbox wallet page, the sandbox WeChat
   * browser or app, or POST /sandbox/payments/{id}/pay. Exactly one concurrent pay wins (the
   * conditional update of #finish); a paid, failed or closed payment cannot be paid again.
   */
  async payByWallet(paymentId: string, provider: WalletProvider, outcome: 'success' | 'fail'): Promise<PaymentRow> {
    const row = await this.#openById(paymentId);
    const methods = checkoutMethods(row);
    const method = walletMethodFor(row, provider);
    if (!method || !methods.includes(method))
      throw new UmfError(
        RET.VALIDATION,
        `this payment is not paid with ${provider === 'WECHAT' ? 'WeChat Pay' : 'Alipay'}`,
      );
    // A checkout buyer who asked for a card's SMS code (sms_sent) may still change their mind and pay
    // with a wallet: nothing was debited yet, and #finish destroys the sealed card and the code.
    if (row.stage !== 'created' && row.stage !== 'sms_sent') throw new UmfError(RET.PAYMENT_IN_PROCESS);
    const now = this.#ctx.clock.now();
    const done = await this.#finish(row, row.stage, outcome === 'success' ? 'TRADE_SUCCESS' : 'TRADE_FAIL', now, {
      channel: method,
      ...(outcome === 'fail' ? { error: RET.PAYMENT_FAILED_TO_PAY } : {}),
    });
    if (!done) {
      const current = await this.#get(row.id);
      if (current.state !== 'WAIT_BUYER_PAY') throw finalStateError(current.state);
      throw new UmfError(RET.PAYMENT_IN_PROCESS);
    }
    return this.#get(row.id);
  }

  /** A payment by id, for pages and the sandbox (no merchant scoping: the caller checked a token). */
  async findById(paymentId: string): Promise<PaymentRow | undefined> {
    if (!/^PAY_[A-Z0-9]{1,40}$/.test(paymentId)) return undefined;
    const row = await this.#ctx.db.selectFrom('payments').selectAll().where('id', '=', paymentId).executeTakeFirst();
    if (
      row &&
      row.state === 'WAIT_BUYER_PAY' &&
      Number(row.expire_at) <= this.#ctx.clock.now() &&
      (row.stage === 'created' || row.stage === 'sms_sent')
    ) {
      await this.closeExpired(row);
      return this.#get(row.id);
    }
    return row;
  }

  async #openById(paymentId: string): Promise<PaymentRow> {
    const row = await this.findById(paymentId);
    if (!row) throw new UmfError(RET.PAYMENT_NOT_FOUND);
    if (row.state === 'TRADE_CLOSED' && row.error_code === RET.PAYMENT_EXPIRED.code)
      throw new UmfError(RET.PAYMENT_EXPIRED);
    if (row.state !== 'WAIT_BUYER_PAY') throw finalStateError(row.state);
    return row;
  }

  // ---- background: expiry and the bank's late answers ----------------------------------------

  /** Closes one expired unpaid payment (TRADE_CLOSED) and notifies the merchant. */
  async closeExpired(row: PaymentRow): Promise<boolean> {
    const now = this.#ctx.clock.now();
    if (row.state !== 'WAIT_BUYER_PAY' || Number(row.expire_at) > now) return false;
    if (row.stage !== 'created' && row.stage !== 'sms_sent') return false;
    return this.#finish(row, row.stage, 'TRADE_CLOSED', now, { error: RET.PAYMENT_EXPIRED });
  }

  async closeExpiredBatch(limit = 200): Promise<number> {
    const now = this.#ctx.clock.now();
    const rows = await this.#ctx.db
      .selectFrom('payments')
      .selectAll()
      .where('state', '=', 'WAIT_BUYER_PAY')
      .where('expire_at', '<=', now)
      .where('stage', 'in', ['created', 'sms_sent'])
      .limit(limit)
      .execute();
    let closed = 0;
    for (const row of rows) if (await this.closeExpired(row)) closed++;
    return closed;
  }

  /**
   * Asks the bank about payments it has not answered for (bank_pending past bank_resolve_at), and
   * about executions interrupted by a crash (processing for more than a minute).
   */
  async resolveBankBatch(limit = 100): Promise<number> {
    const { db, clock, channels } = this.#ctx;
    const now = clock.now();
    // Two indexed lookups (stage, bank_resolve_at) rather than one OR that would scan the table.
    const due = await db
      .selectFrom('payments')
      .selectAll()
      .where('stage', '=', 'bank_pending')
      .where('bank_resolve_at', '<=', now)
      .limit(limit)
      .execute();
    const stalled = await db
      .selectFrom('payments')
      .selectAll()
      .where('stage', '=', 'processing')
      .where('updated_at', '<=', now - 60_000)
      .limit(limit)
      .execute();
    const rows = [...due, ...stalled];
    let resolved = 0;
    for (const row of rows) {
      const result = await channels.cardBank.inquire({
        paymentId: row.id,
        cardFingerprint: row.card_fingerprint ?? '',
        last4: row.card_last4 ?? '',
        now,
      });
      const stage = row.stage as PaymentStage;
      if (result.outcome === 'pending') {
        await db
          .updateTable('payments')
          .set({ bank_resolve_at: result.retryAt })
          .where('id', '=', row.id)
          .where('stage', '=', stage)
          .execute();
        continue;
      }
      let card: CardData | undefined;
      if (row.card_secret_enc)
        card = JSON.parse(this.#ctx.cardVault.open(row.card_secret_enc, `payment:${row.id}`)) as CardData;
      const done =
        result.outcome === 'success'
          ? await this.#finish(row, stage, 'TRADE_SUCCESS', now, card ? { card } : {})
          : await this.#finish(row, stage, 'TRADE_FAIL', now, { error: result.error });
      if (done) resolved++;
    }
    return resolved;
  }

  // ---- internals --------------------------------------------------------------------------------

  /**
   * Moves a payment to a final state in one transaction with its event, its payer agreement (card
   * payments that succeed) and its notification. Card data is destroyed in the same update.
   */
  async #finish(
    row: PaymentRow,
    fromStage: PaymentStage,
    state: PaymentState,
    now: number,
    extra: { error?: RetCodeEntry; card?: CardData; channel?: string },
  ): Promise<boolean> {
    const { db, cardVault } = this.#ctx;
    const done = await db.transaction().execute(async (trx) => {
      let agreementId = row.agreement_id;
      if (state === 'TRADE_SUCCESS' && extra.card && row.card_fingerprint && !agreementId) {
        agreementId = await this.#issueAgreement(trx, row, extra.card, now);
      }
      const ok = await transition(
        trx,
        row.id,
        { state: row.state as PaymentState, stage: fromStage },
        { state, stage: 'done' },
        {
          card_secret_enc: null,
          sms_code_hash: null,
          bank_resolve_at: null,
          agreement_id: agreementId,
          execute_success_at: state === 'TRADE_SUCCESS' ? now : null,
          settle_date: state === 'TRADE_SUCCESS' ? chinaDate(now) : null,
          error_code: extra.error?.code ?? null,
          error_msg: extra.error?.message ?? null,
          ...(extra.channel ? { channel: extra.channel } : {}),
        },
        now,
      );
      if (!ok) return false;
      if (state === 'TRADE_SUCCESS')
        await postPaymentSuccess(trx, {
          paymentId: row.id,
          merchantId: row.merchant_id,
          cnyMinor: toMinor(row.total_cny_minor),
          now,
        });
      await recordPaymentEvent(
        trx,
        row.id,
        now,
        state,
        extra.error ? `${extra.error.code} ${extra.error.message}` : null,
      );
      const updated = await trx.selectFrom('payments').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
      const payload = { payment: renderPayment(updated, this.#urls, await this.#agreementView(updated, trx)) };
      await enqueueNotification(trx, {
        merchantId: row.merchant_id,
        objectType: 'payment',
        objectId: row.id,
        url: row.notify_url,
        payload,
        signer: (body) => signSha256WithRsa(this.#ctx.platform.privateKey, body),
        now,
      });
      return true;
    });
    if (done) this.#notify();
    void cardVault;
    return done;
  }

  async #issueAgreement(trx: Transaction<Database>, row: PaymentRow, card: CardData, now: number): Promise<string> {
    const existing = await trx
      .selectFrom('payer_agreements')
      .select('usr_pay_agreement_id')
      .where('merchant_id', '=', row.merchant_id)
      .where('card_fingerprint', '=', row.card_fingerprint!)
      .executeTakeFirst();
    if (existing) return existing.usr_pay_agreement_id;
    const samePayer = await trx
      .selectFrom('payer_agreements')
      .select('usr_busi_agreement_id')
      .where('merchant_id', '=', row.merchant_id)
      .where('phone', '=', card.phone)
      .executeTakeFirst();
    const payId = newId('P');
    const busiId = samePayer?.usr_busi_agreement_id ?? newId('UB');
    const { cvv2: _destroyed, ...keep } = card;
    const inserted = await trx
      .insertInto('payer_agreements')
      .values({
        usr_pay_agreement_id: payId,
        usr_busi_agreement_id: busiId,
        merchant_id: row.merchant_id,
        card_fingerprint: row.card_fingerprint!,
        card_last4: last4(card.number),
        card_type: card.cardType,
        gate_id: row.bank_code ?? 'UNKNOWN',
        phone: card.phone,
        card_enc: this.#ctx.cardVault.seal(JSON.stringify(keep), `agreement:${payId}`),
        created_at: now,
      })
      // A concurrent first payment with the same card may have issued it meanwhile: use that one
      // (a failed insert would roll back the whole final-state transaction).
      .onConflict((oc) => oc.columns(['merchant_id', 'card_fingerprint']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) {
      const winner = await trx
        .selectFrom('payer_agreements')
        .select('usr_pay_agreement_id')
        .where('merchant_id', '=', row.merchant_id)
        .where('card_fingerprint', '=', row.card_fingerprint!)
        .executeTakeFirstOrThrow();
      return winner.usr_pay_agreement_id;
    }
    await recordPaymentEvent(trx, row.id, now, 'agreement_issued', `${payId} for card ending ${last4(card.number)}`);
    return payId;
  }

  async #agreementView(row: PaymentRow, db: Db = this.#ctx.db): Promise<AgreementView | undefined> {
    if (!row.agreement_id) return undefined;
    const a = await db
      .selectFrom('payer_agreements')
      .selectAll()
      .where('usr_pay_agreement_id', '=', row.agreement_id)
      .executeTakeFirst();
    if (!a) return undefined;
    return {
      usr_busi_agreement_id: a.usr_busi_agreement_id,
      usr_pay_agreement_id: a.usr_pay_agreement_id,
      gate_id: a.gate_id,
      last_four_cardid: a.card_last4,
    };
  }

  async #loadAgreement(merchant: Merchant, busiId: string, payId: string) {
    const a = await this.#ctx.db
      .selectFrom('payer_agreements')
      .selectAll()
      .where('usr_pay_agreement_id', '=', payId)
      .where('usr_busi_agreement_id', '=', busiId)
      .where('merchant_id', '=', merchant.id)
      .executeTakeFirst();
    if (!a) throw new UmfError(RET.VALIDATION, 'payer_agreement: no such agreement for this merchant');
    return a;
  }

  /** Card data from a verify request: an encrypted bank_card, or a payer agreement. */
  async #cardFromRequest(
    merchant: Merchant,
    row: PaymentRow,
    body: Record<string, unknown>,
  ): Promise<{ data: CardData; fingerprint: string; agreementId?: string }> {
    const payer = (body.payer ?? {}) as Record<string, unknown>;
    const info = ((payer.payer_info ?? body.payer_info ?? {}) as Record<string, unknown>) ?? {};
    const bankCard = info.bank_card as Record<string, unknown> | undefined;
    const agreementIn = info.payer_agreement as Record<string, unknown> | undefined;
    const cardType = row.payment_method === 'DEBIT_CARD' ? 'DEBIT_CARD' : 'CREDIT_CARD';
    const phoneText = str(info.phone) ?? str(bankCard?.phone) ?? row.phone ?? undefined;

    const agreementPay =
      str(agreementIn?.usr_pay_agreement_id) ??
      (row.agreement_id && !str(bankCard?.number) ? row.agreement_id : undefined);
    if (agreementPay && !str(bankCard?.number)) {
      const busi = str(agreementIn?.usr_busi_agreement_id);
      const a = await this.#ctx.db
        .selectFrom('payer_agreements')
        .selectAll()
        .where('usr_pay_agreement_id', '=', agreementPay)
        .where('merchant_id', '=', merchant.id)
        .executeTakeFirst();
      if (!a || (busi && a.usr_busi_agreement_id !== busi))
        throw new UmfError(RET.VALIDATION, 'payer_agreement: no such agreement for this merchant');
      if (a.card_type !== cardType)
        throw new UmfError(RET.CARD_UNSUPPORTED, `the agreement's card is a ${a.card_type}`);
      const stored = JSON.parse(
        this.#ctx.cardVault.open(a.card_enc, `agreement:${a.usr_pay_agreement_id}`),
      ) as CardData;
      return {
        data: { ...stored, phone: a.phone },
        fingerprint: a.card_fingerprint,
        agreementId: a.usr_pay_agreement_id,
      };
    }

    if (!bankCard) throw new UmfError(RET.VALIDATION, 'payer.payer_info.bank_card (or payer_agreement) is required');
    const decrypt = (field: string, value: unknown): string | undefined => {
      const text = str(value);
      if (text === undefined) return undefined;
      try {
        return this.#ctx.platform.decryptor.decrypt(text, merchant.encryption).trim();
      } catch (error) {
        if (error instanceof FieldDecryptionError)
          throw new UmfError(
            RET.VALIDATION,
            `payer.payer_info.bank_card.${field} could not be decrypted: encrypt it with the platform certificate (${merchant.encryption === 'oaep' ? 'RSA-OAEP, SHA-256, MGF1-SHA-256' : 'RSA PKCS#1 v1.5'}) and base64 it`,
          );
        throw error;
      }
    };
    const data = validateCard({
      cardType,
      number: decrypt('number', bankCard.number),
      validDate: decrypt('valid_date', bankCard.valid_date),
      cvv2: decrypt('cvv2', bankCard.cvv2),
      holderName: decrypt('payer_name', bankCard.payer_name ?? bankCard.card_holder ?? info.name),
      citizenIdType: str(bankCard.citizen_id_type),
      citizenIdNumber: decrypt('citizen_id_number', bankCard.citizen_id_number),
      phone: phoneText,
    });
    return { data, fingerprint: this.#ctx.cardVault.fingerprint(`pan:${data.number}`) };
  }

  async #openForPayer(merchant: Merchant, paymentId: string): Promise<PaymentRow> {
    const row = await findMerchantPayment(this.#ctx.db, merchant, paymentId);
    // A web payment (whatever its method, NOT_APPLICABLE included) is paid on the hosted checkout.
    if (row.interface_type === 'SERVER_TO_WEB' || row.interface_type === 'SERVER_TO_H5WEB')
      throw new UmfError(
        RET.VALIDATION,
        `${row.interface_type} payments are paid on the hosted checkout page (the upay link), not with verify/execute`,
      );
    if (row.payment_method !== 'CREDIT_CARD' && row.payment_method !== 'DEBIT_CARD')
      throw new UmfError(RET.VALIDATION, `${row.payment_method} payments are not paid with verify/execute`);
    if (row.interface_type !== 'SERVER_TO_SERVER')
      throw new UmfError(RET.VALIDATION, `${row.interface_type} payments are not paid with verify/execute`);
    if (
      row.state === 'WAIT_BUYER_PAY' &&
      Number(row.expire_at) <= this.#ctx.clock.now() &&
      (row.stage === 'created' || row.stage === 'sms_sent')
    ) {
      await this.closeExpired(row);
      throw new UmfError(RET.PAYMENT_EXPIRED);
    }
    if (row.state === 'WAIT_BUYER_PAY') return row;
    throw finalStateError(row.state);
  }

  async #get(id: string): Promise<PaymentRow> {
    return this.#ctx.db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  #codeHash(paymentId: string, code: string): string {
    return this.#ctx.cardVault.fingerprint(`sms:${paymentId}:${code}`);
  }
}

export interface CheckoutCardInput {
  readonly cardType: 'CREDIT_CARD' | 'DEBIT_CARD';
  readonly number: string;
  readonly validDate?: string | undefined;
  readonly cvv2?: string | undefined;
  readonly holderName: string;
  readonly citizenIdNumber: string;
  readonly phone: string;
}

/** Card fields (already decrypted) checked the same way for the API and the checkout page. */
function validateCard(input: {
  cardType: 'CREDIT_CARD' | 'DEBIT_CARD';
  number: string | undefined;
  validDate?: string | undefined;
  cvv2?: string | undefined;
  holderName: string | undefined;
  citizenIdType?: string | undefined;
  citizenIdNumber: string | undefined;
  phone: string | undefined;
}): CardData {
  const field = (name: string) =>
    new UmfError(
      RET.VALIDATION,
      `payer.payer_info.bank_card.${name} is required (encrypted with the platform certificate)`,
    );
  if (!input.number) throw field('number');
  const number = input.number.replace(/[\s-]/g, '');
  if (!luhnValid(number)) throw new UmfError(RET.CARD_BIN_INVALID);
  const isCredit = input.cardType === 'CREDIT_CARD';
  if (isCredit && !input.validDate) throw field('valid_date');
  if (isCredit && !input.cvv2) throw field('cvv2');
  if (!input.holderName) throw field('payer_name');
  const idType = input.citizenIdType ?? '1';
  if (idType !== '1' && idType.toUpperCase() !== 'IDENTITY_CARD')
    throw new UmfError(RET.VALIDATION, 'payer.payer_info.bank_card.citizen_id_type must be IDENTITY_CARD (or "1")');
  if (!input.citizenIdNumber) throw field('citizen_id_number');
  if (!citizenIdValid(input.citizenIdNumber)) throw new UmfError(RET.ID_NUMBER_INVALID);
  if (!input.phone) throw new UmfError(RET.VALIDATION, 'payer.payer_info.phone is required');
  const phone = normalisePhone(input.phone);
  if (!phone) throw new UmfError(RET.PHONE_INVALID);
  return {
    number,
    cardType: input.cardType,
    validDate: isCredit ? input.validDate : input.validDate || undefined,
    cvv2: isCredit ? input.cvv2 : input.cvv2 || undefined,
    holderName: input.holderName,
    citizenIdNumber: input.citizenIdNumber.toUpperCase(),
    phone,
  };
}

/** The payment methods the payer may use for this payment (on the checkout page or a wallet). */
export function checkoutMethods(row: Pick<PaymentRow, 'payment_method' | 'interface_type'>): string[] {
  const web = row.interface_type === 'SERVER_TO_WEB' || row.interface_type === 'SERVER_TO_H5WEB';
  if (web && row.payment_method === 'NOT_APPLICABLE')
    return ['CREDIT_CARD', 'DEBIT_CARD', 'WECHAT_SCAN', 'ALIPAY_SCAN'];
  if (web) return [row.payment_method];
  if (['WECHAT_SCAN', 'ALIPAY_SCAN', 'WECHAT_WEB', 'WECHAT_IN_APP'].includes(row.payment_method))
    return [row.payment_method];
  return [];
}

function walletMethodFor(row: Pick<PaymentRow, 'payment_method'>, provider: WalletProvider): string | undefined {
  if (provider === 'ALIPAY') return 'ALIPAY_SCAN';
  if (row.payment_method === 'WECHAT_WEB' || row.payment_method === 'WECHAT_IN_APP') return row.payment_method;
  return 'WECHAT_SCAN';
}

/** Why a payment in a final state cannot be verified or executed. */
function finalStateError(state: string): UmfError {
  switch (state) {
    case 'TRADE_SUCCESS':
      return new UmfError(RET.PAYMENT_FAILED_TO_PAY, 'the payment has already been paid');
    case 'TRADE_CLOSED':
      return new UmfError(RET.ORDER_CLOSED);
    case 'TRADE_FAIL':
      return new UmfError(RET.PAYMENT_FAILED);
    default:
      return new UmfError(RET.ORDER_CLOSED, state);
  }
}

/** Verification of a card paid through a payer agreement: only its expiry can have changed. */
function agreementCardCheck(card: CardData, now: number): CardCheck {
  if (card.cardType === 'CREDIT_CARD' && card.validDate) {
    const end = expiryEnd(card.validDate);
    if (end !== undefined && end <= now) return { ok: false, error: RET.CARD_EXPIRED };
  }
  return { ok: true };
}

function str(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text === '' ? undefined : text;
}

function verifyCodeOf(body: Record<string, unknown>): string | undefined {
  const payer = (body.payer ?? {}) as Record<string, unknown>;
  const info = (payer.payer_info ?? {}) as Record<string, unknown>;
  const card = (info.bank_card ?? {}) as Record<string, unknown>;
  const code = str(info.verify_code) ?? str(card.verify_code) ?? str(payer.verify_code) ?? str(body.verify_code);
  return code && /^\d{4,8}$/.test(code) ? code : code === undefined ? undefined : '';
}

function maskPhone(phone: string): string {
  return phone.slice(0, 3) + '****' + phone.slice(-4);
}

function orderView(draft: PaymentDraft): Record<string, unknown> {
  const order: Record<string, unknown> = { mer_reference_id: draft.merReferenceId, mer_date: draft.merDate };
  if (draft.orderSummary) order.order_summary = draft.orderSummary;
  if (draft.userIp) order.user_ip = draft.userIp;
  order.sub_orders = draft.subOrders.map((sub) => {
    const { amountMinor, items, ...rest } = sub;
    return {
      ...rest,
      is_customs: sub.is_customs ? 'TRUE' : 'FALSE',
      amount: { total: formatAmount(amountMinor, draft.currency), currency: draft.currency },
      ...(items.length > 0
        ? {
            items: items.map(({ amountMinor: itemMinor, quantity, ...item }) => ({
              ...item,
              quantity: String(quantity),
              amount: { total: formatAmount(itemMinor, draft.currency), currency: draft.currency },
            })),
          }
        : {}),
    };
  });
  return order;
}

function payerView(draft: PaymentDraft): Record<string, unknown> {
  const payer: Record<string, unknown> = {
    payment_method: draft.paymentMethod,
    interface_type: draft.interfaceType,
    business_type: draft.businessType,
  };
  if (draft.bankCode) payer.bank_code = draft.bankCode;
  return payer;
}
