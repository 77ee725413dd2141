/**
 * `umf-gateway <command>`: reads the command line against the commands of cli/commands.ts, checks the
 * configuration (flags and environment), runs the command and says how it ended in its exit status:
 * 0 done, 1 it failed (one line on stderr), 2 the command line or the configuration is wrong.
 *
 * Every command takes --data-dir / --database (or UMF_DATA_DIR / DATABASE_URL) and works while a
 * gateway runs on the same data: the gateway reads merchants, keys and rates from the database on
 * each request. A SQLite database that does not exist is created by `serve`, or with --create;
 * any other command refuses it, naming the path it looked for (a typo must not be an empty database).
 */
import { ConfigError, resolveConfig, type ProcessConfig } from '../config/process-config.ts';
import { DatabaseNotFoundError, openStore, type Store } from '../store/database.ts';
import { gatewayConfig } from '../gateway.ts';
import { createContext, type GatewayContext } from '../context.ts';
import { CommandError, UsageError, type Command, type CommandInput, type CommandIo } from './command.ts';
import { parseCommandLine, type ParsedLine } from './command-line.ts';
import { COMMANDS } from './commands.ts';
import { helpText } from './help.ts';
import { loadConnectors } from './connectors-module.ts';
import { stringFlag } from './flag-values.ts';

export interface MainOptions {
  /** Resolves when a long-running command is to stop (default: SIGINT or SIGTERM). */
  readonly stop?: Promise<void>;
}

export async function main(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
  options: MainOptions = {},
): Promise<number> {
  const io: CommandIo = { out, err };
  let line: ParsedLine;
  try {
    line = parseCommandLine(argv, COMMANDS);
    if (line.kind === 'help') {
      out(helpText(line.words, COMMANDS));
      return argv.length === 0 ? 2 : 0;
    }
  } catch (error) {
    return usageFailed(error, io);
  }
  const { command, args, flags } = line;
  let config: ProcessConfig;
  try {
    config = resolveConfig({
      host: stringFlag(flags, 'host'),
      port: stringFlag(flags, 'port'),
      dataDir: stringFlag(flags, 'data-dir'),
      database: stringFlag(flags, 'database'),
      ftpPort: stringFlag(flags, 'ftp-port'),
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Every bad value at once, so that one run shows all there is to fix.
    err(`umf-gateway: ${error.message}\n`);
    return 2;
  }
  const resources = new Resources(config, command.createsDatabase === true || flags.create === true);
  let stopped: Promise<void> | undefined;
  const input: CommandInput = {
    args,
    flags,
    json: flags.json === true,
    config,
    io,
    store: () => resources.store(),
    context: () => resources.context(),
    get stopped() {
      stopped ??= options.stop ?? signalled();
      return stopped;
    },
  };
  try {
    return await command.run(input);
  } catch (error) {
    if (error instanceof UsageError) return usageFailed(error, io, command);
    if (error instanceof CommandError) {
      err(`umf-gateway: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof DatabaseNotFoundError) {
      err(
        `umf-gateway: no database at ${error.path}: check --database, DATABASE_URL or --data-dir (a path that ` +
          'does not exist is not created), start the gateway once (umf-gateway serve creates it), or pass --create\n',
      );
      return 1;
    }
    err(`umf-gateway: error: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await resources.close();
  }
}

function usageFailed(error: unknown, io: CommandIo, command?: Command): number {
  if (!(error instanceof UsageError)) throw error;
  const about = error.command ?? command;
  io.err(
    `umf-gateway: ${error.message}\n` +
      (about ? `(umf-gateway help ${about.words.join(' ')} shows its arguments and options)\n` : ''),
  );
  return 2;
}

/** The store and the context a command asked for, opened once and closed when it ends. */
class Resources {
  readonly #config: ProcessConfig;
  readonly #create: boolean;
  #store: Promise<Store> | undefined;
  #context: Promise<GatewayContext> | undefined;
  constructor(config: ProcessConfig, create: boolean) {
    this.#config = config;
    this.#create = create;
  }
  store(): Promise<Store> {
    this.#store ??= openStore({ url: this.#config.databaseUrl, create: this.#create });
    return this.#store;
  }
  context(): Promise<GatewayContext> {
    const config = this.#config;
    this.#context ??= this.store().then(async (store) =>
      createContext(
        {
          config: gatewayConfig({ ...config, ftp: undefined, sandbox: config.sandbox }),
          dataDir: config.dataDir,
          masterKeyEnv: config.masterKeyEnv,
          connectors: await loadConnectors(config.connectorsModule),
        },
        store,
      ),
    );
    return this.#context;
  }
  async close(): Promise<void> {
    const store = await this.#store?.catch(() => undefined);
    await store?.close();
  }
}

function signalled(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
