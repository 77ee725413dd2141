/**
 * UMF_CONNECTORS: the module a live gateway takes its real connectors from (channels/connectors.ts).
 * It exports a ChannelsFactory as its default export or as `channels`:
 *
 *   export default function channels({ store, clock, publicUrl, pageTokens }) {
 *     return { cardBank: new MyBank(...), sms: new MySms(...), wallet: ..., customs: ..., fx: ... };
 *   }
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChannelsFactory } from '../channels/connectors.ts';

export async function loadConnectors(modulePath: string | undefined): Promise<ChannelsFactory | undefined> {
  if (!modulePath) return undefined;
  const loaded = (await import(pathToFileURL(resolve(modulePath)).href)) as { default?: unknown; channels?: unknown };
  const factory = loaded.channels ?? loaded.default;
  if (typeof factory !== 'function') {
    throw new Error(`UMF_CONNECTORS ${modulePath} exports no channels factory (a default export or \`channels\`)`);
  }
  return factory as ChannelsFactory;
}
