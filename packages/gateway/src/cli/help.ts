/** `umf-gateway help [command]`, `--help`: the overview, a group's commands, or one command in full. */
import type { Command } from './command.ts';
import { COMMON_FLAGS } from './command-line.ts';
import { UsageError } from './command.ts';
import { closest } from './suggest.ts';

/** `merchant create --name NAME [--json]`: the command's one-line shape. */
export function synopsis(command: Command): string {
  const args = (command.args ?? []).map((a) => (a.optional ? `[${a.name}]` : a.name));
  const flags = Object.entries(command.flags ?? {}).map(([name, f]) => `[--${name}${f.value ? ` ${f.value}` : ''}]`);
  return [...command.words, ...args, ...flags].join(' ');
}

export function helpText(words: readonly string[], commands: readonly Command[]): string {
  if (words.length === 0) return overview(commands);
  const exact = commands.find((c) => c.words.join(' ') === words.join(' '));
  if (exact) return commandHelp(exact);
  const group = commands.filter((c) => c.words[0] === words[0]);
  if (group.length > 0 && words.length === 1) return table(`umf-gateway ${words[0]} commands:`, group) + footer();
  const names = commands.map((c) => c.words.join(' '));
  const guess = closest(words.join(' '), names);
  throw new UsageError(`no command "${words.join(' ')}"${guess ? `; did you mean "${guess}"?` : ''}`);
}

function overview(commands: readonly Command[]): string {
  return (
    'usage: umf-gateway <command> [options]\n\n' +
    table('commands:', commands) +
    '\ncommon options:\n' +
    options(COMMON_FLAGS) +
    footer()
  );
}

function footer(): string {
  return '\numf-gateway help <command> shows a command in full (or: <command> --help).\n';
}

function table(title: string, commands: readonly Command[]): string {
  const names = commands.map((c) => c.words.join(' ') + (c.args?.length ? ' ' + c.args.map(argName).join(' ') : ''));
  const width = Math.min(34, Math.max(...names.map((n) => n.length)));
  return (
    `${title}\n` +
    commands
      .map((c, i) => {
        const name = names[i]!;
        return name.length > width
          ? `  ${name}\n  ${' '.repeat(width)}  ${c.summary}\n`
          : `  ${name.padEnd(width)}  ${c.summary}\n`;
      })
      .join('')
  );
}

const argName = (a: { name: string; optional?: boolean }) => (a.optional ? `[${a.name}]` : a.name);

function options(flags: Readonly<Record<string, { value?: string; help: string }>>): string {
  const rows = Object.entries(flags).map(([name, f]) => [`--${name}${f.value ? ` ${f.value}` : ''}`, f.help] as const);
  const width = Math.max(...rows.map(([n]) => n.length));
  return rows.map(([n, h]) => `  ${n.padEnd(width)}  ${h}\n`).join('');
}

function commandHelp(command: Command): string {
  let text = `usage: umf-gateway ${synopsis(command)}\n\n${command.summary}\n`;
  if (command.args?.length) {
    text += '\narguments:\n';
    const width = Math.max(...command.args.map((a) => a.name.length));
    text += command.args.map((a) => `  ${a.name.padEnd(width)}  ${a.help}\n`).join('');
  }
  if (command.flags && Object.keys(command.flags).length) text += '\noptions:\n' + options(command.flags);
  text += '\ncommon options:\n' + options(COMMON_FLAGS);
  if (command.details?.length) text += '\n' + command.details.map((l) => `${l}\n`).join('');
  if (command.examples?.length) text += '\nexamples:\n' + command.examples.map((e) => `  ${e}\n`).join('');
  return text;
}
