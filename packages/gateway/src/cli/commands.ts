/** Every command of `umf-gateway`, in the order `help` lists them. */
import type { Command } from './command.ts';
import { serveCommand } from './serve-command.ts';
import { MERCHANT_COMMANDS } from './merchant-commands.ts';
import { PAYMENT_COMMANDS } from './payment-commands.ts';
import { ENTERPRISE_COMMANDS } from './enterprise-commands.ts';
import { platformCertCommand } from './platform-command.ts';
import { fxSetCommand } from './fx-command.ts';
import { settleCommand } from './settle-command.ts';
import { ledgerCheckCommand } from './ledger-command.ts';
import { NOTIFICATION_COMMANDS } from './notifications-command.ts';
import { listenCommand } from './listen-command.ts';
import { DOCUMENT_COMMANDS } from './document-commands.ts';
import { CONSOLE_COMMANDS } from './console-commands.ts';

export const COMMANDS: readonly Command[] = [
  serveCommand,
  ...MERCHANT_COMMANDS,
  ...PAYMENT_COMMANDS,
  ...ENTERPRISE_COMMANDS,
  ...NOTIFICATION_COMMANDS,
  ...DOCUMENT_COMMANDS,
  ...CONSOLE_COMMANDS,
  listenCommand,
  platformCertCommand,
  fxSetCommand,
  settleCommand,
  ledgerCheckCommand,
];
