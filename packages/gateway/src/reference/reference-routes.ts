/** GET /bank and GET /exchange_rate, and the bank logos they link to. */
import type { FastifyPluginAsync } from 'fastify';
import { RET, UmfError } from '../errors/catalogue.ts';
import type { FxFeed } from '../channels/channels.ts';
import type { PublicUrls } from '../http/links.ts';
import { exchangeRatesRoute, listBanksRoute } from './reference-schemas.ts';
import { banksFor, findBank } from './banks.ts';
import { bankLogoSvg } from './bank-logos.ts';
import { CURRENCIES, isCurrency } from '../money/currencies.ts';

export interface ReferenceRoutesDeps extends PublicUrls {
  readonly fx: FxFeed;
}

export function referenceDataRoutes(deps: ReferenceRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { type?: string } }>('/bank', { schema: listBanksRoute }, async (request, reply) => {
      const type = (request.query.type ?? 'CREDIT_CARD').trim().toUpperCase();
      if (type !== 'CREDIT_CARD' && type !== 'DEBIT_CARD')
        throw new UmfError(RET.VALIDATION, 'type must be CREDIT_CARD or DEBIT_CARD');
      const banks = banksFor(type).map((bank) => ({
        name: bank.name,
        name_zh: bank.name_zh,
        code: bank.code,
        logo_url: `${deps.publicUrl()}/static/banks/${bank.code}.svg`,
        types: bank.types,
        is_support: true,
      }));
      return reply.umf({ banks });
    });

    const ratesRoute = { schema: exchangeRatesRoute };
    app.get<{ Querystring: { currency?: string } }>('/exchange_rate', ratesRoute, async (request, reply) => {
      const requested = request.query.currency?.trim().toUpperCase();
      const currencies = requested ? requested.split(',').map((c) => c.trim()) : CURRENCIES.filter((c) => c !== 'CNY');
      const rates = [];
      for (const currency of currencies) {
        if (!isCurrency(currency)) throw new UmfError(RET.CURRENCY_NOT_ACCEPTED, `unknown currency ${currency}`);
        const rate = await deps.fx.rate(currency);
        if (!rate) throw new UmfError(RET.EXCHANGE_RATE_ERROR, `no rate for ${currency}`);
        rates.push({ currency, rate: rate.rate });
      }
      // The reference's sample names the list `exchangeRates`; snake_case clients read `exchange_rates`.
      return reply.umf({ exchange_rates: rates, exchangeRates: rates });
    });
  };
}

/** Bank logos served by the gateway itself (no asset from another site). */
export const staticRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { code: string } }>('/static/banks/:code.svg', async (request, reply) => {
    const bank = findBank(request.params.code.toUpperCase());
    if (!bank) throw new UmfError(RET.ROUTE_NOT_FOUND);
    return reply
      .header('content-type', 'image/svg+xml')
      .header('cache-control', 'public, max-age=86400')
      .send(bankLogoSvg(bank));
  });
};
