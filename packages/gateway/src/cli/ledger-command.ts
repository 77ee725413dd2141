/** `umf-gateway ledger check [--json]`: verifies the ledger (ledger-check-repository.ts) and prints every balance. */
import { formatScaled } from '../money/decimal.ts';
import { isCurrency, minorUnits } from '../money/currencies.ts';
import { checkLedger } from '../ledger/ledger-check-repository.ts';
import type { Command, CommandInput } from './command.ts';

export const ledgerCheckCommand: Command = {
  words: ['ledger', 'check'],
  summary: "verify the ledger balances; print every account's balance (exit 1 when it does not)",
  run: ({ store, json, io }) => checkAndPrint(store, json, io.out),
};

async function checkAndPrint(store: CommandInput['store'], json: boolean, out: (s: string) => void): Promise<number> {
  const result = await checkLedger((await store()).db);
  const format = (balance: bigint, currency: string) =>
    formatScaled(balance, isCurrency(currency) ? minorUnits(currency) : 2);
  if (json) {
    out(
      JSON.stringify(
        {
          ok: result.ok,
          entries: result.entries,
          lines: result.lines,
          balances: result.balances.map((b) => ({
            account: b.account,
            currency: b.currency,
            balance: format(b.balance, b.currency),
            balance_minor: b.balance.toString(),
          })),
          problems: result.problems,
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    out(`${result.entries} entries, ${result.lines} lines\n`);
    const width = Math.max(0, ...result.balances.map((b) => b.account.length));
    for (const b of result.balances)
      out(
        `  ${b.account.padEnd(width)}  ${format(b.balance, b.currency).padStart(16)}  ` +
          `(${b.balance >= 0n ? 'Dr' : 'Cr'})\n`,
      );
    if (result.ok)
      out('ledger OK: every entry balances and the ledger agrees with payments, refunds and settlements\n');
    else {
      out(`ledger NOT OK: ${result.problems.length} problem(s)\n`);
      for (const p of result.problems) out(`  - ${p}\n`);
    }
  }
  return result.ok ? 0 : 1;
}
