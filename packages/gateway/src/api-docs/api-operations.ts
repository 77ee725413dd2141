/**
 * Every route of /cberest/v1 with its schema: the table the OpenAPI document is checked against, and
 * the checklist for attaching the schemas (`app.route({ method, url, schema, handler })`). Importing
 * it loads every schema module, so every shared schema is registered (http/schema-registry.ts).
 */
import { authorizeRoute } from '../oauth/oauth-schemas.ts';
import { exchangeRatesRoute, listBanksRoute } from '../reference/reference-schemas.ts';
import {
  createPaymentRoute,
  executePaymentRoute,
  getPaymentRoute,
  verifyPaymentRoute,
  wechatOpenIdRoute,
} from '../payments/payment-schemas.ts';
import { createRefundRoute, getRefundRoute } from '../refunds/refund-schemas.ts';
import {
  createCustomsDeclarationRoute,
  customsDownloadRoute,
  getCustomsDeclarationRoute,
} from '../customs/customs-schemas.ts';
import { listTransactionsRoute, transactionsDownloadRoute } from '../reports/transaction-schemas.ts';
import { reconciliationDownloadRoute, reconciliationStatementRoute } from '../settlement/reconciliation-schemas.ts';
import { getEnterpriseRoute, registerEnterpriseRoute } from '../enterprises/enterprise-schemas.ts';

export interface ApiRoute {
  readonly method: 'GET' | 'POST';
  /** Under /cberest/v1, in Fastify's syntax (`:id`). */
  readonly url: string;
  readonly schema: Readonly<Record<string, unknown>> & { readonly operationId: string };
}

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'POST', url: '/oauth/authorize', schema: authorizeRoute },
  { method: 'GET', url: '/bank', schema: listBanksRoute },
  { method: 'GET', url: '/exchange_rate', schema: exchangeRatesRoute },
  { method: 'POST', url: '/payments/payment', schema: createPaymentRoute },
  { method: 'GET', url: '/payments/payment/:id', schema: getPaymentRoute },
  { method: 'POST', url: '/payments/payment/:id/verify', schema: verifyPaymentRoute },
  { method: 'POST', url: '/payments/payment/:id/execute', schema: executePaymentRoute },
  { method: 'GET', url: '/payments/wechat_openid', schema: wechatOpenIdRoute },
  { method: 'POST', url: '/payments/payment/:id/refund', schema: createRefundRoute },
  { method: 'GET', url: '/payments/refund/:id', schema: getRefundRoute },
  { method: 'POST', url: '/payments/payment/:id/apply_to_customs', schema: createCustomsDeclarationRoute },
  { method: 'GET', url: '/payments/customs_declarations/:id', schema: getCustomsDeclarationRoute },
  { method: 'GET', url: '/payments/customs_download', schema: customsDownloadRoute },
  { method: 'GET', url: '/payments/transactions', schema: listTransactionsRoute },
  { method: 'GET', url: '/payments/transactions_download', schema: transactionsDownloadRoute },
  { method: 'GET', url: '/payments/reconciliation_statement', schema: reconciliationStatementRoute },
  { method: 'GET', url: '/payments/reconciliation_statement_download', schema: reconciliationDownloadRoute },
  { method: 'POST', url: '/enterprise_qualification', schema: registerEnterpriseRoute },
  { method: 'GET', url: '/enterprise_qualification/:id', schema: getEnterpriseRoute },
];
