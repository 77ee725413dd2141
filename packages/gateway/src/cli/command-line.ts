/**
 * Reads a command line against the list of commands: the command's words, its arguments, its flags.
 * Everything that cannot run as written is a UsageError that says what is wrong and, for a typo, what
 * was meant ("did you mean --name?").
 *
 *   merchant create --name "Tea House" --currencies USD,EUR --json
 *   --flag VALUE, --flag=VALUE, boolean --flag; -h is --help; `--` ends the flags.
 */
import { UsageError, type Command, type FlagSpec, type FlagValues } from './command.ts';
import { closest } from './suggest.ts';

/** The flags every command takes. */
export const COMMON_FLAGS: Readonly<Record<string, FlagSpec>> = {
  'data-dir': { type: 'string', value: 'DIR', help: 'data directory (UMF_DATA_DIR, default ./data)' },
  database: {
    type: 'string',
    value: 'URL',
    help: 'sqlite:<path> (default <data-dir>/umf-gateway.sqlite) or postgres://... (DATABASE_URL)',
  },
  create: { type: 'boolean', help: 'create the SQLite database if it does not exist (serve always may)' },
  json: { type: 'boolean', help: 'print JSON instead of text' },
  help: { type: 'boolean', help: 'show this help' },
};

export type ParsedLine =
  | { readonly kind: 'run'; readonly command: Command; readonly args: readonly string[]; readonly flags: FlagValues }
  /** `help [words]`, `--help`, or no command at all: help of what the words name (all when none). */
  | { readonly kind: 'help'; readonly words: readonly string[]; readonly flags: FlagValues };

export function parseCommandLine(argv: readonly string[], commands: readonly Command[]): ParsedLine {
  const known = flagTypes(commands);
  const words: string[] = [];
  const given = new Map<string, string | boolean>();
  const unknown: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    if (token === '-h') {
      given.set('help', true);
      continue;
    }
    if (!token.startsWith('--') || token === '-') {
      if (token.startsWith('-') && token !== '-' && !/^-\d/.test(token)) {
        unknown.push(token);
        continue;
      }
      words.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    const type = known.get(name);
    if (!type) {
      unknown.push(`--${name}`);
      continue;
    }
    if (given.has(name)) throw new UsageError(`--${name} is given twice`);
    if (type === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value (write --${name} alone)`);
      given.set(name, true);
      continue;
    }
    let value: string | undefined = eq >= 0 ? token.slice(eq + 1) : argv[i + 1];
    if (eq < 0) {
      if (value === undefined || value.startsWith('--')) value = undefined;
      else i++;
    }
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    given.set(name, value);
  }

  if (words[0] === 'help') return { kind: 'help', words: words.slice(1), flags: Object.fromEntries(given) };
  const command = resolve(words, commands, given.has('help'));
  if (!command || given.has('help')) {
    return { kind: 'help', words: command ? command.words : words, flags: Object.fromEntries(given) };
  }
  const allowed = { ...COMMON_FLAGS, ...command.flags };
  for (const flag of [...unknown, ...[...given.keys()].filter((n) => !(n in allowed)).map((n) => `--${n}`)]) {
    const names = Object.keys(allowed).map((n) => `--${n}`);
    const guess = flag.startsWith('--') ? closest(flag, names) : undefined;
    throw new UsageError(
      `unknown option ${flag} for "${command.words.join(' ')}"${guess ? `; did you mean ${guess}?` : ''}`,
      command,
    );
  }
  const args = words.slice(command.words.length);
  const specs = command.args ?? [];
  const required = specs.filter((a) => !a.optional);
  if (args.length < required.length || args.length > specs.length) {
    const shape = specs.map((a) => (a.optional ? `[${a.name}]` : a.name)).join(' ');
    const name = command.words.join(' ');
    throw new UsageError(
      specs.length === 0
        ? `${name} takes no arguments, got ${args.join(' ')}`
        : `${name} needs ${shape}${args.length ? `, got ${args.join(' ')}` : ''}`,
      command,
    );
  }
  return { kind: 'run', command, args, flags: Object.fromEntries(given) };
}

/** The command the leading words name (the longest match), or a UsageError naming what was meant. */
function resolve(words: readonly string[], commands: readonly Command[], helpAsked: boolean): Command | undefined {
  if (words.length === 0) return undefined;
  let best: Command | undefined;
  for (const command of commands) {
    const n = command.words.length;
    if (n <= words.length && command.words.every((w, i) => words[i] === w) && n > (best?.words.length ?? 0))
      best = command;
  }
  if (best) return best;
  const group = commands.filter((c) => c.words.length > 1 && c.words[0] === words[0]);
  if (group.length > 0) {
    // `merchant`, or `merchant crate`: a group's word without one of its commands.
    if (helpAsked && words.length === 1) return undefined;
    const subs = [...new Set(group.map((c) => c.words[1]!))];
    if (words.length === 1)
      throw new UsageError(`${words[0]} needs a command: ${subs.join(', ')} (umf-gateway help ${words[0]})`);
    const guess = closest(words[1]!, subs);
    throw new UsageError(
      `unknown command "${words[0]} ${words[1]}"${guess ? `; did you mean "${words[0]} ${guess}"?` : ''} ` +
        `(${words[0]} commands: ${subs.join(', ')})`,
    );
  }
  const tops = [...new Set(commands.map((c) => c.words[0]!)), 'help'];
  const guess = closest(words[0]!, tops);
  throw new UsageError(
    `unknown command "${words[0]}"${guess ? `; did you mean "${guess}"?` : ''} (umf-gateway help lists them)`,
  );
}

/** Every flag name of every command with its type (a name means the same everywhere). */
function flagTypes(commands: readonly Command[]): Map<string, FlagSpec['type']> {
  const types = new Map<string, FlagSpec['type']>();
  for (const [name, spec] of Object.entries(COMMON_FLAGS)) types.set(name, spec.type);
  for (const command of commands) {
    for (const [name, spec] of Object.entries(command.flags ?? {})) {
      const before = types.get(name);
      if (before && before !== spec.type) throw new Error(`flag --${name} has two types`);
      types.set(name, spec.type);
    }
  }
  return types;
}
