/**
 * `umf-gateway operator create` and `umf-gateway merchant user add`: the console's accounts
 * (console/account-service.ts). The password comes from `--password-file F` (its first line), or from
 * a hidden prompt when the command runs on a terminal (asked twice); it is never a flag (flags end
 * up in shell history and `ps`).
 */
import { readFileSync } from 'node:fs';
import { OPERATOR_ROLES } from '../console/account-record.ts';
import { AccountError } from '../console/account-service.ts';
import { passwordProblem } from '../console/password-hash.ts';
import type { ConsoleAccount } from '../console/account-record.ts';
import { CommandError, UsageError, type Command, type CommandInput } from './command.ts';
import { choiceFlag, requiredFlag, stringFlag } from './flag-values.ts';
import { textFields } from './text-table.ts';

const PASSWORD_FILE_FLAG = {
  type: 'string',
  value: 'FILE',
  help: 'read the password from the first line of FILE (else a hidden prompt on a terminal)',
} as const;
const EMAIL_FLAG = { type: 'string', value: 'EMAIL', help: 'the email address the person logs in with' } as const;

/** Reads a line from the terminal without echoing it. */
export type HiddenPrompt = (question: string) => Promise<string>;

/** The password of a new account: from the file, or asked twice on a terminal; checked either way. */
async function newPassword(flags: CommandInput['flags'], prompt: HiddenPrompt | undefined): Promise<string> {
  const file = stringFlag(flags, 'password-file');
  let password: string;
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CommandError(`cannot read the password file ${file}: ${(error as NodeJS.ErrnoException).code}`);
    }
    password = text.split(/\r?\n/)[0] ?? '';
  } else {
    if (!prompt) {
      throw new UsageError(
        'no --password-file and no terminal to ask on: pass --password-file FILE ' +
          '(a file with the password on its first line)',
      );
    }
    password = await prompt('Password: ');
    const problem = passwordProblem(password);
    if (problem) throw new CommandError(`${problem}; nothing was created`);
    if ((await prompt('Password again: ')) !== password)
      throw new CommandError('the two passwords differ; nothing was created');
  }
  const problem = passwordProblem(password);
  if (problem) throw new CommandError(`${problem}; nothing was created`);
  return password;
}

/** The hidden prompt of a real terminal (stdin and stderr are TTYs), else undefined. */
export function terminalPrompt(): HiddenPrompt | undefined {
  const stdin = process.stdin;
  if (!stdin.isTTY || !process.stderr.isTTY) return undefined;
  return (question) =>
    new Promise((resolve, reject) => {
      process.stderr.write(question);
      stdin.setRawMode(true);
      stdin.resume();
      stdin.setEncoding('utf8');
      let typed = '';
      const done = (error?: Error) => {
        stdin.setRawMode(false);
        stdin.pause();
        stdin.off('data', onData);
        process.stderr.write('\n');
        if (error) reject(error);
        else resolve(typed);
      };
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') return done();
          if (ch === '\u0003') return done(new CommandError('interrupted; nothing was created', 130));
          if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
          else if (ch >= ' ') typed += ch;
        }
      };
      stdin.on('data', onData);
    });
}

function accountJson(account: ConsoleAccount): Record<string, string> {
  return account.kind === 'operator'
    ? {
        account_id: account.id,
        email: account.email,
        kind: account.kind,
        role: account.role,
        created_at: new Date(account.createdAt).toISOString(),
      }
    : {
        account_id: account.id,
        email: account.email,
        kind: account.kind,
        merchant_id: account.merchantId,
        created_at: new Date(account.createdAt).toISOString(),
      };
}

async function created(input: CommandInput, make: () => Promise<ConsoleAccount>): Promise<number> {
  let account: ConsoleAccount;
  try {
    account = await make();
  } catch (error) {
    if (error instanceof AccountError) throw new CommandError(error.message);
    throw error;
  }
  const result = accountJson(account);
  input.io.out(
    input.json ? JSON.stringify(result, null, 2) + '\n' : textFields({ ...result, console: '/console (log in there)' }),
  );
  return 0;
}

/** The prompt the commands use (tests replace it). */
export const consolePrompt: { current: () => HiddenPrompt | undefined } = { current: terminalPrompt };

const operatorCreate: Command = {
  words: ['operator', 'create'],
  summary: 'create a console operator (admin, reviewer or viewer) who logs in at /console',
  flags: {
    email: EMAIL_FLAG,
    role: { type: 'string', value: 'admin|reviewer|viewer', help: 'what the operator may do' },
    'password-file': PASSWORD_FILE_FLAG,
  },
  details: [
    'Roles: admin (everything: keys, secrets, rates, settlement runs, merchants), reviewer (approve and',
    'reject enterprises and documents, redeliver notifications), viewer (read only).',
    'The password has at least 12 characters; it is stored as a scrypt hash (docs/security.md).',
  ],
  examples: [
    'umf-gateway operator create --email ops@example.com --role admin',
    'umf-gateway operator create --email audit@example.com --role viewer --password-file ./pw.txt --json',
  ],
  async run(input) {
    const email = requiredFlag(input.flags, 'email', 'EMAIL', 'operator create');
    if (stringFlag(input.flags, 'role') === undefined)
      throw new UsageError('operator create needs --role admin|reviewer|viewer');
    const role = choiceFlag(input.flags, 'role', OPERATOR_ROLES)!;
    const password = await newPassword(input.flags, consolePrompt.current());
    const ctx = await input.context();
    return created(input, () => ctx.services.consoleAccounts.createOperator({ email, role, password }));
  },
};

const merchantUserAdd: Command = {
  words: ['merchant', 'user', 'add'],
  summary: "add a merchant user: a read-only console login that sees only its merchant's data",
  flags: {
    merchant: { type: 'string', value: 'ID', help: 'the merchant (M...)' },
    email: EMAIL_FLAG,
    'password-file': PASSWORD_FILE_FLAG,
  },
  details: ['The password has at least 12 characters; it is stored as a scrypt hash (docs/security.md).'],
  examples: ['umf-gateway merchant user add --merchant M12345678901 --email finance@shop.example'],
  async run(input) {
    const merchantId = requiredFlag(input.flags, 'merchant', 'ID', 'merchant user add');
    const email = requiredFlag(input.flags, 'email', 'EMAIL', 'merchant user add');
    const password = await newPassword(input.flags, consolePrompt.current());
    const ctx = await input.context();
    return created(input, () => ctx.services.consoleAccounts.addMerchantUser({ merchantId, email, password }));
  },
};

export const CONSOLE_COMMANDS: readonly Command[] = [operatorCreate, merchantUserAdd];
