/**
 * The seam for real connectors. A gateway gets its channels (channels.ts) from a `ChannelsFactory`:
 * in sandbox mode the sandbox's (channels/sandbox/sandbox-channels.ts), with any channel a given
 * factory provides taking its place; in any other mode only what the given factory provides, and a
 * gateway missing a channel refuses to start, naming what is missing. `umf-gateway serve` loads a
 * factory from the module named by UMF_CONNECTORS (its default export or `channels` export).
 */
import type { Store } from '../store/database.ts';
import type { Clock } from '../time/clock.ts';
import type { PageTokens } from '../crypto/page-tokens.ts';
import type { Channels } from './channels.ts';

/** What a factory may build its channels from. */
export interface ChannelsContext {
  readonly store: Store;
  readonly clock: Clock;
  /** The gateway's public base URL (links a party sends the payer to, e.g. a wallet page). */
  readonly publicUrl: () => string;
  /** Tokens for the URLs of pages the platform hands out. */
  readonly pageTokens: PageTokens;
}

export type ChannelsFactory = (context: ChannelsContext) => Partial<Channels> | Promise<Partial<Channels>>;

export type ChannelName = keyof Channels;

/** Each channel as an operator would name it. */
export const CHANNEL_NAMES: Readonly<Record<ChannelName, string>> = {
  cardBank: 'cardBank (the card-issuing banks: card checks, debits, card refunds)',
  sms: 'sms (the SMS gateway for verification codes)',
  wallet: 'wallet (WeChat Pay and Alipay: QR codes, prepay orders, wallet refunds)',
  customs: 'customs (the customs offices)',
  fx: 'fx (the exchange-rate feed)',
  corporateBank:
    "corporateBank (online banking: the banks' corporate and personal payment pages, their results, returns of " +
    'cancelled B2B payments)',
};

export class MissingConnectorsError extends Error {
  readonly missing: readonly ChannelName[];
  constructor(mode: string, missing: readonly ChannelName[]) {
    super(
      `${mode} mode needs a connector for every channel; missing: ` +
        `${missing.map((m) => CHANNEL_NAMES[m]).join('; ')}. ` +
        'Give them to startGateway as `channels` (or to `umf-gateway serve` as a module in UMF_CONNECTORS), ' +
        'or run in sandbox mode (UMF_MODE=sandbox).',
    );
    this.name = 'MissingConnectorsError';
    this.missing = missing;
  }
}

export interface ResolveChannelsOptions {
  readonly sandbox: boolean;
  readonly context: ChannelsContext;
  /** The real connectors (may be partial in sandbox mode). */
  readonly connectors?: ChannelsFactory | undefined;
  /** The sandbox's channels, consulted in sandbox mode only. */
  readonly sandboxChannels: ChannelsFactory;
}

/** The gateway's channels (see the header); throws MissingConnectorsError outside sandbox mode. */
export async function resolveChannels(options: ResolveChannelsOptions): Promise<Channels> {
  const given = options.connectors ? await options.connectors(options.context) : {};
  const base = options.sandbox ? await options.sandboxChannels(options.context) : {};
  const merged: Partial<Channels> = { ...base, ...withoutUndefined(given) };
  const missing = (Object.keys(CHANNEL_NAMES) as ChannelName[]).filter((name) => merged[name] === undefined);
  if (missing.length > 0) throw new MissingConnectorsError(options.sandbox ? 'sandbox' : 'live', missing);
  return merged as Channels;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
