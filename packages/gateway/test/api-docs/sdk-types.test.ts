/**
 * The SDK's wire types (packages/sdk/src/types.ts) against Static<> of the schemas, checked by the
 * compiler (`npm run typecheck` covers this file; the test below only makes it part of `npm test`):
 *
 * - what the gateway emits (the response schemas) is assignable to the SDK's result types;
 * - what the SDK sends (its request types) is assignable to what the gateway accepts, once the
 *   schemas' closed enums are widened to `string`: the SDK types enums as open on purpose
 *   (`OpenEnum`: other strings pass through), and currencies as `string`, where the gateway refuses
 *   unknown values at run time.
 *
 * Where they genuinely disagree the check says so with `false` and the reason: those are reported,
 * not bent. (`Is<X, true>` fails to compile when X is not `true`, `Is<X, false>` when it is.)
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import type { Static } from 'typebox';
import type * as Sdk from 'umf-sdk';

import type { Payment, SubOrder, Item, CreatePaymentRequest } from '../../src/payments/payment-schemas.ts';
import type { VerifyPaymentRequest, ExecutePaymentRequest, PayInfo } from '../../src/payments/payment-schemas.ts';
import type { Refund, CreateRefundRequest } from '../../src/refunds/refund-schemas.ts';
import type { CustomsDeclaration, CreateCustomsDeclarationRequest } from '../../src/customs/customs-schemas.ts';
import type { PaymentSummary, RefundSummary, Transactions } from '../../src/reports/transaction-schemas.ts';
import type {
  Reconciliations,
  SettledPaymentSummary,
  SettledRefundSummary,
} from '../../src/settlement/reconciliation-schemas.ts';
import type { Bank } from '../../src/reference/reference-schemas.ts';
import type { ExchangeRate, Link, Meta, Pagination, OrderAmount } from '../../src/http/common-schemas.ts';
import type { TokenAnswer } from '../../src/oauth/oauth-schemas.ts';
import type { EnterpriseQualification, RegisterEnterpriseRequest } from '../../src/enterprises/enterprise-schemas.ts';

/** `true` when every From is a To. */
type Assignable<From, To> = [From] extends [To] ? true : false;
/** Compiles only when A is exactly B (`true` or `false`). */
type Is<A extends B, B extends boolean> = A;

/** A schema's closed enums (string literal unions) widened to string, as the SDK's open enums are. */
type Widen<T> = T extends string
  ? string
  : T extends readonly (infer U)[]
    ? Widen<U>[]
    : T extends object
      ? { [K in keyof T]: Widen<T[K]> }
      : T;

// ---- what the gateway emits is what the SDK reads -------------------------------------------------

export type Checks = [
  Is<Assignable<Meta, Sdk.ResponseMeta>, true>,
  Is<Assignable<Link, Sdk.Link>, true>,
  Is<Assignable<OrderAmount, Sdk.AmountResult>, true>,
  Is<Assignable<ExchangeRate, Sdk.ExchangeRate>, true>,
  Is<Assignable<PayInfo, Sdk.PayInfo>, true>,
  Is<Assignable<Bank, Sdk.Bank>, true>,
  Is<Assignable<Pagination, Sdk.Pagination>, true>,
  Is<Assignable<Refund, Sdk.Refund>, true>,
  Is<Assignable<CustomsDeclaration, Sdk.CustomsDeclaration>, true>,
  Is<Assignable<PaymentSummary, Sdk.PaymentSummary>, true>,
  Is<Assignable<RefundSummary, Sdk.RefundSummary>, true>,
  Is<Assignable<Transactions & { meta: Meta }, Sdk.TransactionsPage>, true>,
  Is<Assignable<Reconciliations & { meta: Meta }, Sdk.ReconciliationStatement>, true>,
  Is<Assignable<SettledPaymentSummary, Sdk.SettledPaymentSummary>, true>,
  Is<Assignable<SettledRefundSummary, Sdk.SettledRefundSummary>, true>,
  Is<Assignable<TokenAnswer, { access_token: string; expires_in: number }>, true>,
  Is<Assignable<EnterpriseQualification, Sdk.EnterpriseQualification>, true>,

  // The gateway accepts sub-orders without mer_sub_reference_id and items without mer_item_id, type or
  // name (real clients send them so), and echoes them as sent: the SDK's result types say so.
  Is<Assignable<Payment, Sdk.Payment>, true>,
  Is<Assignable<SubOrder, Sdk.SubOrderResult>, true>,
  Is<Assignable<Item, Sdk.ItemResult>, true>,

  // ---- what the SDK sends is what the gateway accepts (enums widened) ------------------------------

  Is<Assignable<Sdk.CreatePaymentParams, Widen<CreatePaymentRequest>>, true>,
  Is<Assignable<Sdk.CreatePaymentParams<Sdk.QrPayerInput>, Widen<CreatePaymentRequest>>, true>,
  Is<Assignable<Sdk.CreatePaymentParams<Sdk.WechatWebPayerInput>, Widen<CreatePaymentRequest>>, true>,
  Is<Assignable<Sdk.CreatePaymentParams<Sdk.CheckoutPayerInput>, Widen<CreatePaymentRequest>>, true>,
  // Without widening: the SDK's open enums and `currency: string` are wider than the schema's enums.
  Is<Assignable<Sdk.CreatePaymentParams, CreatePaymentRequest>, false>,
  // The bodies payments.verifyCard / verifyAgreement / execute build (resources/payments.ts).
  Is<
    Assignable<{ payer: { payer_info: { phone: string; bank_card: Sdk.BankCardInput } } }, VerifyPaymentRequest>,
    true
  >,
  Is<
    Assignable<
      { payer: { payer_info: { phone?: string; payer_agreement: Sdk.PayerAgreementRef } } },
      VerifyPaymentRequest
    >,
    true
  >,
  Is<
    Assignable<
      { payer: { payer_info: { verify_code: string; bank_card: { verify_code: string } } } },
      ExecutePaymentRequest
    >,
    true
  >,
  // refunds.create sends its params plus parent_payment; customs.declare sends its params.
  Is<Assignable<Sdk.CreateRefundParams & { parent_payment: string }, Widen<CreateRefundRequest>>, true>,
  Is<Assignable<Sdk.DeclareCustomsParams, Widen<CreateCustomsDeclarationRequest>>, true>,
  // enterprises.register wraps its params as the reference does.
  Is<Assignable<{ enterprise_qualification: Sdk.RegisterEnterpriseParams }, Widen<RegisterEnterpriseRequest>>, true>,
];

// A request body the gateway accepts is a body its Static<> type describes (one of the Static types is
// used as a value here, so that this file is more than types).
const example: Static<typeof import('../../src/payments/payment-schemas.ts').PaymentAmountInput> = {
  total: '100.02',
  currency: 'USD',
};

test('the SDK types agree with the schemas (checked by the compiler: npm run typecheck)', () => {
  assert.equal(example.currency, 'USD');
});
