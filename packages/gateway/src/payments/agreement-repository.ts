/**
 * Every SQL statement about payer agreements (`payer_agreements`): the card a payer paid with once,
 * sealed without its CVV2, so that the same payer can pay the same merchant again without sending
 * the card (reference 2.2).
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, PayerAgreementsTable } from '../store/schema.ts';
import type { Db, Trx } from '../store/database.ts';
import type { AgreementRef } from './payment-record.ts';

export type AgreementRecord = Omit<Selectable<PayerAgreementsTable>, 'created_at'>;

export interface NewAgreement {
  readonly usrPayAgreementId: string;
  readonly usrBusiAgreementId: string;
  readonly merchantId: string;
  readonly cardFingerprint: string;
  readonly cardLast4: string;
  readonly cardType: string;
  readonly gateId: string;
  readonly phone: string;
  /** The card without its CVV2, sealed (crypto/master-key.ts). */
  readonly cardEnc: string;
  readonly createdAt: number;
}

export function agreementRef(a: AgreementRecord): AgreementRef {
  return {
    usr_busi_agreement_id: a.usr_busi_agreement_id,
    usr_pay_agreement_id: a.usr_pay_agreement_id,
    gate_id: a.gate_id,
    last_four_cardid: a.card_last4,
  };
}

const COLUMNS = [
  'usr_pay_agreement_id',
  'usr_busi_agreement_id',
  'merchant_id',
  'card_fingerprint',
  'card_last4',
  'card_type',
  'gate_id',
  'phone',
  'card_enc',
] as const;

export class AgreementRepository {
  readonly #db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async find(usrPayAgreementId: string, db: Db = this.#db): Promise<AgreementRecord | undefined> {
    return db
      .selectFrom('payer_agreements')
      .select(COLUMNS)
      .where('usr_pay_agreement_id', '=', usrPayAgreementId)
      .executeTakeFirst();
  }

  /** A merchant's agreement (undefined for another merchant's). */
  async findOfMerchant(merchantId: string, usrPayAgreementId: string): Promise<AgreementRecord | undefined> {
    return this.#db
      .selectFrom('payer_agreements')
      .select(COLUMNS)
      .where('usr_pay_agreement_id', '=', usrPayAgreementId)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
  }

  /** The merchant's agreement of a card, by its fingerprint. */
  async findByCard(db: Db, merchantId: string, cardFingerprint: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('payer_agreements')
      .select('usr_pay_agreement_id')
      .where('merchant_id', '=', merchantId)
      .where('card_fingerprint', '=', cardFingerprint)
      .executeTakeFirst();
    return row?.usr_pay_agreement_id;
  }

  /** The business agreement of the merchant's payer with this phone, when it has one. */
  async businessIdOfPhone(db: Db, merchantId: string, phone: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('payer_agreements')
      .select('usr_busi_agreement_id')
      .where('merchant_id', '=', merchantId)
      .where('phone', '=', phone)
      .executeTakeFirst();
    return row?.usr_busi_agreement_id;
  }

  /**
   * Inserts the agreement unless the merchant already has one for the card (a concurrent first
   * payment with the same card may have issued it meanwhile: a failed insert would roll back the
   * whole final-state transaction). True when this call inserted it.
   */
  async insertUnlessCardKnown(db: Trx, a: NewAgreement): Promise<boolean> {
    const inserted = await db
      .insertInto('payer_agreements')
      .values({
        usr_pay_agreement_id: a.usrPayAgreementId,
        usr_busi_agreement_id: a.usrBusiAgreementId,
        merchant_id: a.merchantId,
        card_fingerprint: a.cardFingerprint,
        card_last4: a.cardLast4,
        card_type: a.cardType,
        gate_id: a.gateId,
        phone: a.phone,
        card_enc: a.cardEnc,
        created_at: a.createdAt,
      })
      .onConflict((oc) => oc.columns(['merchant_id', 'card_fingerprint']).doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
  }
}
