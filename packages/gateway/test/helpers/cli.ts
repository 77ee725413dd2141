/**
 * `umf-gateway` in-process: `main()` with its output collected, as a shell sees it.
 *
 *   const { code, out, err } = await runCli(['merchant', 'list', '--data-dir', dir]);
 */
import { main } from '../../src/cli/main.ts';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function runCli(args: readonly string[], options: { stop?: Promise<void> } = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await main(
    [...args],
    (s) => (out += s),
    (s) => (err += s),
    options,
  );
  return { code, out, err };
}
