/**
 * The sandbox's parties, as the gateway's channels (the ChannelsFactory of sandbox mode): a card
 * bank, an SMS gateway, WeChat Pay and Alipay, the customs offices, an FX feed and the banks' online
 * banking (corporate and personal), deterministic and
 * stateful (their own tables: sandbox-repository.ts), with the pages a person clicks through.
 */
import type { Channels } from '../channels.ts';
import type { ChannelsContext } from '../connectors.ts';
import { SandboxCardBank } from './sandbox-card-bank.ts';
import { SandboxCorporateBank } from './sandbox-corporate-bank.ts';
import { SandboxCustoms } from './sandbox-customs.ts';
import { SandboxFxFeed } from './sandbox-fx-feed.ts';
import { SandboxRepository } from './sandbox-repository.ts';
import { SandboxSmsGateway } from './sandbox-sms-gateway.ts';
import { SandboxWallet } from './sandbox-wallet.ts';

export interface SandboxOptions {
  /** How late the late-answering test card (last four 0005) answers. */
  readonly lateBankDelayMs?: number | undefined;
}

/** The sandbox parties, typed as themselves (tests and the CLI use their sandbox-only calls). */
export interface SandboxChannels extends Channels {
  readonly fx: SandboxFxFeed;
  readonly cardBank: SandboxCardBank;
  readonly sms: SandboxSmsGateway;
  readonly wallet: SandboxWallet;
  readonly customs: SandboxCustoms;
  readonly corporateBank: SandboxCorporateBank;
  readonly repository: SandboxRepository;
}

export function sandboxChannels(context: ChannelsContext, options: SandboxOptions = {}): SandboxChannels {
  const { store, clock } = context;
  const repository = new SandboxRepository(store.db);
  return {
    repository,
    fx: new SandboxFxFeed({ store, sandbox: repository, clock }),
    sms: new SandboxSmsGateway({ store, sandbox: repository }),
    cardBank: new SandboxCardBank({ store, sandbox: repository, lateDelayMs: options.lateBankDelayMs }),
    wallet: new SandboxWallet({ publicUrl: context.publicUrl, tokens: context.pageTokens }),
    customs: new SandboxCustoms(),
    corporateBank: new SandboxCorporateBank({
      store,
      sandbox: repository,
      publicUrl: context.publicUrl,
      tokens: context.pageTokens,
    }),
  };
}
