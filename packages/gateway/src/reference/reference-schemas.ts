/**
 * Schemas of the reference data routes (reference 3.1 banks, 3.13 exchange rates): the query
 * parameters as reference-routes.ts reads them (case-insensitive, trimmed), the answers, and a Fastify
 * route schema per route.
 */
import Type, { type Static } from 'typebox';
import { CURRENCIES } from '../money/currencies.ts';
import { BEARER, ERROR_RESPONSES, ExchangeRate, answer, caseless, codes, stringEnum } from '../http/common-schemas.ts';
import { refTo, shared } from '../http/schema-registry.ts';

export const CARD_TYPES = ['CREDIT_CARD', 'DEBIT_CARD'] as const;

export const Bank = shared(
  Type.Object(
    {
      name: Type.String({ description: "The bank's English name." }),
      name_zh: Type.String({ description: "The bank's Chinese name." }),
      code: Type.String({ description: 'The bank code (`payer.bank_code`).' }),
      logo_url: Type.String({ description: "The bank's logo (SVG, served by the gateway)." }),
      types: Type.Array(stringEnum(CARD_TYPES), { description: 'The card types the bank takes.' }),
      is_support: Type.Boolean({ description: "Whether the merchant can take the bank's cards (always true)." }),
    },
    {
      $id: 'Bank',
      description: 'A bank (objs.md `bank`).',
      examples: [
        {
          name: 'China Construction Bank',
          name_zh: '中国建设银行',
          code: 'CCB',
          logo_url: 'http://127.0.0.1:8080/static/banks/CCB.svg',
          types: ['CREDIT_CARD', 'DEBIT_CARD'],
          is_support: true,
        },
      ],
    },
  ),
);
export type Bank = Static<typeof Bank>;

export const BanksAnswer = answer('BanksAnswer', "The banks taking a card type, in the reference's order.", {
  banks: Type.Array(refTo(Bank)),
});
export type BanksAnswer = Static<typeof BanksAnswer>;

export const ExchangeRatesAnswer = answer(
  'ExchangeRatesAnswer',
  'Exchange rates: CNY per one unit of each currency asked for.',
  {
    exchange_rates: Type.Array(refTo(ExchangeRate)),
    exchangeRates: Type.Array(refTo(ExchangeRate), {
      description: 'The same list, under the name of the reference 3.13 sample.',
    }),
  },
);
export type ExchangeRatesAnswer = Static<typeof ExchangeRatesAnswer>;

const TAGS = ['Reference data'];
const words = (values: readonly string[]) => values.map(caseless).join('|');
const FOREIGN = CURRENCIES.filter((c) => c !== 'CNY');

export const listBanksRoute = {
  summary: 'List the banks of a card type',
  description: 'The banks whose cards of `type` the merchant can take (reference 3.1), with their logos.',
  tags: TAGS,
  operationId: 'listBanks',
  security: BEARER,
  querystring: Type.Object({
    type: Type.Optional(
      Type.String({
        pattern: `^\\s*(${words(CARD_TYPES)})\\s*$`,
        'x-umf-format': 'must be CREDIT_CARD or DEBIT_CARD',
        description: 'CREDIT_CARD (default) or DEBIT_CARD, case-insensitive.',
        examples: ['CREDIT_CARD'],
      }),
    ),
  }),
  response: { 200: refTo(BanksAnswer), ...ERROR_RESPONSES },
};

export const exchangeRatesRoute = {
  summary: 'Query exchange rates',
  description:
    'The current rates (reference 3.13), CNY per one unit; a payment locks the rate of its creation. Sandbox: ' +
    'fixed rates until an operator sets one (`umf-gateway fx set USD 7.2000`).',
  tags: TAGS,
  operationId: 'getExchangeRates',
  security: BEARER,
  querystring: Type.Object({
    currency: Type.Optional(
      Type.String({
        pattern: `^\\s*((${words(CURRENCIES)})(\\s*,\\s*(${words(CURRENCIES)}))*)?\\s*$`,
        'x-umf-code': { pattern: 'CURRENCY_NOT_ACCEPTED' },
        'x-umf-format': 'must be currency codes separated by commas',
        description:
          'Currency codes separated by commas, case-insensitive (default: every currency but CNY: ' +
          `${FOREIGN.join(', ')}). ` +
          `An unknown code: ${codes('CURRENCY_NOT_ACCEPTED')}.`,
        examples: ['USD', 'USD,EUR'],
      }),
    ),
  }),
  response: { 200: refTo(ExchangeRatesAnswer), ...ERROR_RESPONSES },
};
