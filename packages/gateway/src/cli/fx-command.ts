/** `umf-gateway fx set CURRENCY RATE`: an exchange rate of the sandbox FX feed (CNY per unit). */
import { parseRate } from '../money/decimal.ts';
import { CommandError, UsageError, type Command } from './command.ts';
import { currencyValue } from './flag-values.ts';

export const fxSetCommand: Command = {
  words: ['fx', 'set'],
  summary: 'set a sandbox exchange rate (CNY per unit of CURRENCY)',
  args: [
    { name: 'CURRENCY', help: 'an order currency (USD, EUR, JPY, ...)' },
    { name: 'RATE', help: 'CNY per unit, a decimal such as 7.1234' },
  ],
  examples: ['umf-gateway fx set USD 7.1234'],
  async run({ args, json, io, context }) {
    const currency = currencyValue(args[0]!, 'CURRENCY');
    if (currency === 'CNY') throw new UsageError('CURRENCY: CNY is the currency payers pay in; its rate is 1');
    const rate = args[1]!;
    if (!parseRate(rate))
      throw new UsageError(
        `RATE must be a positive decimal such as 7.1234 (CNY per ${currency}), got ${JSON.stringify(rate)}`,
      );
    const ctx = await context();
    if (!ctx.sandbox)
      throw new CommandError('fx set sets the sandbox FX feed: it works in sandbox mode only (UMF_MODE=sandbox)', 2);
    await ctx.sandbox.fx.setRate(currency, rate);
    io.out(json ? JSON.stringify({ currency, rate }) + '\n' : `${currency} = ${rate} CNY\n`);
    return 0;
  },
};
