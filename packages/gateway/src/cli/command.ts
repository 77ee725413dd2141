/**
 * What a CLI command is: its words (`merchant create`), its arguments and flags (each with its help),
 * and what it runs. cli/commands.ts lists them all; cli/main.ts parses the command line against that
 * list (cli/command-line.ts), answers help (cli/help.ts) and runs the command.
 */
import type { ProcessConfig } from '../config/process-config.ts';
import type { Store } from '../store/database.ts';
import type { GatewayContext } from '../context.ts';

export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  /** The placeholder in help (`--name NAME`). */
  readonly value?: string;
  readonly help: string;
}

export interface ArgSpec {
  readonly name: string;
  readonly help: string;
  readonly optional?: boolean;
}

export type FlagValues = Readonly<Record<string, string | boolean | undefined>>;

export interface CommandInput {
  readonly args: readonly string[];
  readonly flags: FlagValues;
  /** `--json`: machine-readable output. */
  readonly json: boolean;
  readonly config: ProcessConfig;
  readonly io: CommandIo;
  /** The store, opened on first use (closed when the command ends). */
  readonly store: () => Promise<Store>;
  /** The gateway's context on that store (keys, channels, services), as `serve` builds it. */
  readonly context: () => Promise<GatewayContext>;
  /** Resolves when the user asks to stop (Ctrl-C, SIGTERM): for commands that run until then. */
  readonly stopped: Promise<void>;
}

export interface Command {
  /** The words that name it: `['merchant', 'create']`. */
  readonly words: readonly string[];
  readonly summary: string;
  readonly args?: readonly ArgSpec[];
  readonly flags?: Readonly<Record<string, FlagSpec>>;
  /** Lines shown by `help <command>` after the options. */
  readonly details?: readonly string[];
  readonly examples?: readonly string[];
  /** Whether it may create a SQLite database that does not exist (serve); others need --create. */
  readonly createsDatabase?: boolean;
  readonly run: (input: CommandInput) => Promise<number>;
}

/** A command line that cannot run as written: exit 2, with the message and where to look. */
export class UsageError extends Error {
  readonly command: Command | undefined;
  constructor(message: string, command?: Command) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** What a command failed on at run time, said in one line (exit 1): no stack trace. */
export class CommandError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CommandError';
    this.exitCode = exitCode;
  }
}
