/**
 * Schemas of the transaction routes (reference 3.16 list, 3.11 file; docs/transactions.md): the query
 * parameters (http/report-query.ts), the payment and refund summaries as reports/transaction-report.ts
 * writes them, and a Fastify route schema per route. Whether `mer_date` is a real date and the upper
 * bounds of the page parameters (page_size <= 5000) are checked in code.
 */
import Type, { type Static } from 'typebox';
import {
  BEARER,
  CHINA_TIME_PATTERN,
  ERROR_RESPONSES,
  Pagination,
  SummaryAmount,
  answer,
  dateQuery,
  pageQuery,
  signedFileResponse,
  stringEnum,
} from '../http/common-schemas.ts';
import { refTo, shared } from '../http/schema-registry.ts';
import { PAYMENT_STATES } from '../payments/payment-state.ts';
import { REFUND_STATES } from '../refunds/refund-schemas.ts';

export const PaymentSummary = shared(
  Type.Object(
    {
      payment_id: Type.String(),
      phone_number: Type.String({ description: 'The payer\'s phone ("" when the payment has none).' }),
      order_date: Type.String({ pattern: '^\\d{8}$', description: "The order's mer_date." }),
      mer_reference_id: Type.String({ description: 'The order number.' }),
      amount: refTo(SummaryAmount),
      settle_date: Type.String({ pattern: '^\\d{8}$', description: 'The platform date of the payment.' }),
      execute_success_time: Type.String({ pattern: CHINA_TIME_PATTERN }),
      state: stringEnum(PAYMENT_STATES),
      product_id: Type.String({ description: 'The UMF product, e.g. "Payment Gateway - Alipay QR code".' }),
    },
    {
      $id: 'PaymentSummary',
      description: 'A successful payment of a transactions list (objs.md `payment_summary`).',
      examples: [
        {
          payment_id: 'PAY_5ZQ2XW7T3KJ9A',
          phone_number: '13800138000',
          order_date: '20260301',
          mer_reference_id: 'ORDER-20260301-0001',
          amount: { total: '100.02', total_cny: '712.48', currency: 'USD', exchange_rate: '7.1234' },
          settle_date: '20260301',
          execute_success_time: '2026-03-01T12:01:30+08:00',
          state: 'TRADE_SUCCESS',
          product_id: 'Payment Gateway - Credit card',
        },
      ],
    },
  ),
);
export type PaymentSummary = Static<typeof PaymentSummary>;

export const RefundSummary = shared(
  Type.Object(
    {
      refund_id: Type.String(),
      payment_id: Type.String({ description: 'The refunded payment.' }),
      phone_number: Type.String({ description: 'The payer\'s phone ("" when none).' }),
      amount: refTo(SummaryAmount),
      settle_date: Type.String({ pattern: '^\\d{8}$', description: 'The China date the refund was accepted.' }),
      execute_success_time: Type.String({ pattern: CHINA_TIME_PATTERN }),
      state: stringEnum(REFUND_STATES),
      mer_reference_id: Type.String({ description: "The merchant's refund number (`refundNo` of the file)." }),
      mer_date: Type.String({ pattern: '^\\d{8}$', description: 'The date of the refund number.' }),
      mer_sub_reference_id: Type.Optional(Type.String({ description: 'The sub-order refunded, when exactly one.' })),
    },
    { $id: 'RefundSummary', description: 'A successful refund of a transactions list (objs.md `refund_summary`).' },
  ),
);
export type RefundSummary = Static<typeof RefundSummary>;

export const Transactions = shared(
  Type.Object(
    {
      payment_summaries: Type.Array(refTo(PaymentSummary)),
      refund_summaries: Type.Array(refTo(RefundSummary)),
      pagination: refTo(Pagination),
    },
    {
      $id: 'Transactions',
      description:
        "A page of a merchant date's transactions (objs.md `transactions`): its successful payments, then its " +
        'successful refunds; a page may hold the tail of one and the head of the other.',
    },
  ),
);
export type Transactions = Static<typeof Transactions>;

export const TransactionsAnswer = answer('TransactionsAnswer', 'A page of transactions.', {
  transactions: refTo(Transactions),
});
export type TransactionsAnswer = Static<typeof TransactionsAnswer>;

export const TransactionsQuery = Type.Object({
  mer_date: dateQuery('The merchant date of the payments and of the refund numbers.'),
  page_number: Type.Optional(pageQuery('The page, from 1 (default 1).')),
  page_size: Type.Optional(pageQuery('Items per page, 1 to 5000 (default 500).')),
});

const TAGS = ['Reports'];

export const listTransactionsRoute = {
  summary: 'List the transactions of a merchant date',
  description:
    'The successful payments of a merchant date, then the successful refunds whose refund number has that date ' +
    "(reference 3.16, docs/transactions.md). A page past the end is empty, with the day's `total_count`.",
  tags: TAGS,
  operationId: 'listTransactions',
  security: BEARER,
  querystring: TransactionsQuery,
  response: { 200: refTo(TransactionsAnswer), ...ERROR_RESPONSES },
};

export const transactionsDownloadRoute = {
  summary: 'Download the transaction file of a merchant date',
  description:
    'The same transactions as the reference 3.11 comma-separated file `TRANS_<merchant>_<mer_date>.txt`, signed ' +
    'in the `Signature` header (docs/transactions.md).',
  tags: TAGS,
  operationId: 'downloadTransactions',
  security: BEARER,
  querystring: Type.Object({ mer_date: dateQuery('The merchant date.') }),
  response: { 200: signedFileResponse('The transaction file (text/plain, UTF-8).'), ...ERROR_RESPONSES },
};
