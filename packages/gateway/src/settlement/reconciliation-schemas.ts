/**
 * Schemas of the reconciliation routes (reference 3.17 statement, 3.12 file; docs/settlement.md): the
 * query parameters, the `reconciliations` object as settlement/reconciliation-statement.ts renders it,
 * and a Fastify route schema per route. The statement's date is `settle_date` (`mer_date` is read when
 * it is absent; the download names it `mer_date` first, as the reference does); that it is a real date
 * and the page bounds are checked in code.
 */
import Type, { type Static } from 'typebox';
import {
  BEARER,
  CHINA_TIME_PATTERN,
  ERROR_RESPONSES,
  Pagination,
  SummaryAmount,
  answer,
  codes,
  dateQuery,
  lenient,
  pageQuery,
  signedFileResponse,
  stringEnum,
} from '../http/common-schemas.ts';
import { refTo, shared } from '../http/schema-registry.ts';
import { PAYMENT_STATES } from '../payments/payment-state.ts';
import { REFUND_STATES } from '../refunds/refund-schemas.ts';

const CNY = { pattern: '^-?\\d+\\.\\d{2}$', description: 'CNY, two decimals.' };

export const Settlement = shared(
  Type.Object(
    {
      settlement_id: Type.String(),
      currency: Type.String({ description: 'The order currency of the transfer.' }),
      exchange_rate: Type.String({ description: 'The rate of the exchange (CNY per unit).' }),
      exchange_date: Type.String({ pattern: '^\\d{8}$' }),
      payment_count: Type.Integer({ minimum: 0 }),
      refund_count: Type.Integer({ minimum: 0 }),
      gross_cny: Type.String({ ...CNY, description: 'The CNY of the payments.' }),
      refund_cny: Type.String({ ...CNY, description: 'The CNY of the refunds.' }),
      service_fee: Type.String({ ...CNY, description: 'The service fee, in CNY.' }),
      net_cny: Type.String({ ...CNY, description: 'gross - refunds - fee: the CNY exchanged.' }),
      amount: refTo(SummaryAmount, { description: 'What was transferred, in the order currency.' }),
    },
    { $id: 'Settlement', description: 'One transfer of the date: one per order currency.' },
  ),
);
export type Settlement = Static<typeof Settlement>;

export const SettledPaymentSummary = shared(
  Type.Object(
    {
      payment_id: Type.String(),
      order_date: Type.String({ pattern: '^\\d{8}$' }),
      mer_reference_id: Type.String(),
      amount: refTo(SummaryAmount),
      settle_date: Type.String({ pattern: '^\\d{8}$' }),
      execute_success_time: Type.String({ pattern: CHINA_TIME_PATTERN }),
      state: stringEnum(PAYMENT_STATES),
      product_id: Type.String(),
      service_fee: Type.String({ ...CNY, description: 'The service fee taken, in CNY.' }),
      exchange_amount: refTo(SummaryAmount, { description: 'What the payment put into the transfer.' }),
      exchange_date: Type.String({ pattern: '^\\d{8}$' }),
    },
    {
      $id: 'SettledPaymentSummary',
      description: 'A payment of a statement (objs.md `payment_summary`, reconciliations object).',
    },
  ),
);
export type SettledPaymentSummary = Static<typeof SettledPaymentSummary>;

export const SettledRefundSummary = shared(
  Type.Object(
    {
      refund_id: Type.String(),
      payment_id: Type.String(),
      phone_number: Type.String(),
      amount: refTo(SummaryAmount),
      settle_date: Type.String({ pattern: '^\\d{8}$' }),
      execute_success_time: Type.String({ pattern: CHINA_TIME_PATTERN }),
      state: stringEnum(REFUND_STATES),
      product_id: Type.String(),
      mer_reference_id: Type.String({ description: "The merchant's refund number." }),
      mer_date: Type.String({ pattern: '^\\d{8}$' }),
      mer_sub_reference_id: Type.Optional(Type.String()),
      exchange_amount: refTo(SummaryAmount, { description: 'What the refund took off the transfer.' }),
      exchange_date: Type.String({ pattern: '^\\d{8}$' }),
    },
    {
      $id: 'SettledRefundSummary',
      description: 'A refund of a statement (objs.md `refund_summary`, reconciliations object).',
    },
  ),
);
export type SettledRefundSummary = Static<typeof SettledRefundSummary>;

export const Reconciliations = shared(
  Type.Object(
    {
      settle_date: Type.String({ pattern: '^\\d{8}$' }),
      amount: Type.Object(
        {
          total: Type.Optional(Type.String()),
          total_cny: Type.String(CNY),
          currency: Type.Optional(Type.String()),
          exchange_rate: Type.Optional(Type.String()),
        },
        {
          description:
            'The transfer, when the date has one order currency; with several, only `total_cny` (their sum): see ' +
            '`settlements`.',
        },
      ),
      settlements: Type.Array(refTo(Settlement)),
      payment_summaries: Type.Array(refTo(SettledPaymentSummary)),
      refund_summaries: Type.Array(refTo(SettledRefundSummary)),
      pagination: refTo(Pagination),
    },
    {
      $id: 'Reconciliations',
      description:
        'What a settle date transferred to the merchant and what it is made of (objs.md `reconciliations`): ' +
        'payments first, then refunds, in pages.',
    },
  ),
);
export type Reconciliations = Static<typeof Reconciliations>;

export const ReconciliationAnswer = answer('ReconciliationAnswer', 'A page of a reconciliation statement.', {
  reconciliations: refTo(Reconciliations),
});
export type ReconciliationAnswer = Static<typeof ReconciliationAnswer>;

const TAGS = ['Settlement'];

export const reconciliationStatementRoute = {
  summary: 'Query the reconciliation statement of a settle date',
  description:
    'What the platform transferred on a settle date and every payment (fee, exchanged amount) and refund it is ' +
    `made of (reference 3.17, docs/settlement.md). Nothing settled that day: ${codes('RECONCILIATION_NOT_FOUND')}.`,
  tags: TAGS,
  operationId: 'getReconciliationStatement',
  security: BEARER,
  querystring: Type.Object({
    settle_date: Type.Optional(dateQuery('The settle date (required, unless `mer_date` names it).')),
    mer_date: Type.Optional(lenient('The settle date, read when `settle_date` is absent.')),
    page_number: Type.Optional(pageQuery('The page, from 1 (default 1).')),
    page_size: Type.Optional(pageQuery('Items per page, 1 to 5000 (default 500).')),
  }),
  response: { 200: refTo(ReconciliationAnswer), ...ERROR_RESPONSES },
};

export const reconciliationDownloadRoute = {
  summary: 'Download the reconciliation statement of a settle date',
  description:
    'The same statement as a signed text file `RECON_<merchant>_<date>.txt` (reference 3.12, docs/settlement.md). ' +
    'The reference names the date `mer_date`; it is the settle date.',
  tags: TAGS,
  operationId: 'downloadReconciliationStatement',
  security: BEARER,
  querystring: Type.Object({
    mer_date: Type.Optional(dateQuery('The settle date (required, unless `settle_date` names it).')),
    settle_date: Type.Optional(lenient('The settle date, read when `mer_date` is absent.')),
  }),
  response: { 200: signedFileResponse('The reconciliation file (text/plain, UTF-8).'), ...ERROR_RESPONSES },
};
