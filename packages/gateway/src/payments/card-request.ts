/**
 * The card of a payment as the payer gives it: in a verify request (encrypted `bank_card` fields or
 * a payer agreement), or typed on the hosted checkout (plain fields, on our own page). Fields are
 * checked the same way for both (validateCard); problems are DomainErrors naming the field.
 */
import { invalid, refuse } from '../errors/domain-error.ts';
import { citizenIdValid, expiryEnd, luhnValid, normalisePhone } from '../reference/cards.ts';
import type { CardCheck, CardData } from '../channels/channels.ts';

export type CardType = 'CREDIT_CARD' | 'DEBIT_CARD';

/** The card fields of a verify request (still encrypted), or the payer agreement it names. */
export type VerifyRequest =
  | { readonly kind: 'agreement'; readonly usrPayAgreementId: string; readonly usrBusiAgreementId: string | undefined }
  | {
      readonly kind: 'card';
      readonly number: string | undefined;
      readonly validDate: string | undefined;
      readonly cvv2: string | undefined;
      readonly payerName: string | undefined;
      readonly citizenIdType: string | undefined;
      readonly citizenIdNumber: string | undefined;
      readonly phone: string | undefined;
    };

/** Plain card fields, as the hosted checkout reads them from its form. */
export interface CheckoutCardInput {
  readonly cardType: CardType;
  readonly number: string;
  readonly validDate?: string | undefined;
  readonly cvv2?: string | undefined;
  readonly holderName: string;
  readonly citizenIdNumber: string;
  readonly phone: string;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function objectAt(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Reads a verify body. A payer agreement is used when the body names one and sends no card number,
 * or when the payment was created with an agreement (`knownAgreementId`) and the body sends none.
 */
export function readVerifyRequest(
  body: Record<string, unknown>,
  known: { readonly agreementId: string | null; readonly phone: string | null },
): VerifyRequest {
  const payer = objectAt(body.payer) ?? {};
  const info = objectAt(payer.payer_info) ?? objectAt(body.payer_info) ?? {};
  const bankCard = objectAt(info.bank_card);
  const agreementIn = objectAt(info.payer_agreement);
  const number = text(bankCard?.number);
  const agreementPay =
    text(agreementIn?.usr_pay_agreement_id) ?? (known.agreementId && !number ? known.agreementId : undefined);
  if (agreementPay && !number) {
    return {
      kind: 'agreement',
      usrPayAgreementId: agreementPay,
      usrBusiAgreementId: text(agreementIn?.usr_busi_agreement_id),
    };
  }
  if (!bankCard) invalid('payer.payer_info.bank_card', '(or payer_agreement) is required');
  return {
    kind: 'card',
    number,
    validDate: text(bankCard.valid_date),
    cvv2: text(bankCard.cvv2),
    payerName: text(bankCard.payer_name ?? bankCard.card_holder ?? info.name),
    citizenIdType: text(bankCard.citizen_id_type),
    citizenIdNumber: text(bankCard.citizen_id_number),
    phone: text(info.phone) ?? text(bankCard.phone) ?? known.phone ?? undefined,
  };
}

/** The SMS code of an execute request: 4-8 digits; '' when one is sent but malformed. */
export function verifyCodeOf(body: Record<string, unknown>): string | undefined {
  const payer = objectAt(body.payer) ?? {};
  const info = objectAt(payer.payer_info) ?? {};
  const card = objectAt(info.bank_card) ?? {};
  const code = text(info.verify_code) ?? text(card.verify_code) ?? text(payer.verify_code) ?? text(body.verify_code);
  return code && /^\d{4,8}$/.test(code) ? code : code === undefined ? undefined : '';
}

function required(name: string): never {
  return invalid(`payer.payer_info.bank_card.${name}`, 'is required (encrypted with the platform certificate)');
}

/** Card fields (already decrypted) checked the same way for the API and the checkout page. */
export function validateCard(input: {
  cardType: CardType;
  number: string | undefined;
  validDate?: string | undefined;
  cvv2?: string | undefined;
  holderName: string | undefined;
  citizenIdType?: string | undefined;
  citizenIdNumber: string | undefined;
  phone: string | undefined;
}): CardData {
  if (!input.number) required('number');
  const number = input.number.replace(/[\s-]/g, '');
  if (!luhnValid(number)) refuse('card_number_invalid');
  const isCredit = input.cardType === 'CREDIT_CARD';
  if (isCredit && !input.validDate) required('valid_date');
  if (isCredit && !input.cvv2) required('cvv2');
  if (!input.holderName) required('payer_name');
  const idType = input.citizenIdType ?? '1';
  if (idType !== '1' && idType.toUpperCase() !== 'IDENTITY_CARD') {
    invalid('payer.payer_info.bank_card.citizen_id_type', 'must be IDENTITY_CARD (or "1")');
  }
  if (!input.citizenIdNumber) required('citizen_id_number');
  if (!citizenIdValid(input.citizenIdNumber)) refuse('citizen_id_invalid');
  if (!input.phone) invalid('payer.payer_info.phone', 'is required');
  const phone = normalisePhone(input.phone);
  if (!phone) refuse('phone_invalid');
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

/** Verification of a card paid through a payer agreement: only its expiry can have changed. */
export function agreementCardCheck(card: CardData, now: number): CardCheck {
  if (card.cardType === 'CREDIT_CARD' && card.validDate) {
    const end = expiryEnd(card.validDate);
    if (end !== undefined && end <= now) return { ok: false, reason: 'card_expired' };
  }
  return { ok: true };
}
