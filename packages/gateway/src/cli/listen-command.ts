/**
 * `umf-gateway listen --forward-to URL [--gateway URL] [--credentials FILE] [--json]`: forwards a
 * merchant's notifications to a server on this machine, which the gateway cannot reach (like
 * `stripe listen`). A gateway extension, sandbox mode only (notifications/listen-routes.ts).
 *
 * 1. A token by client credentials (POST <gateway>/cberest/v1/oauth/authorize) with the client id and
 *    secret of UMF_CLIENT_ID / UMF_CLIENT_SECRET, or of --credentials FILE (the JSON that
 *    `merchant create --json` prints). Never a secret in a flag's value. The token replaces the
 *    merchant's previous one, as every token does (an SDK fetches a new one when told 00280703).
 * 2. GET <gateway>/listen/v1/notifications: an event stream. While it is open the gateway's worker
 *    hands this merchant's notifications to it instead of POSTing them to notify_url.
 * 3. Each notification is POSTed, exact body and headers (the platform's Signature), to --forward-to;
 *    the local server's status and body (or the error) go back to the gateway
 *    (POST /listen/v1/deliveries/{id}), which records the attempt like any: an acknowledgement
 *    (ret_code 0000) marks the notification delivered, anything else is retried on the backoff.
 * 4. One line per notification on stdout: `--> NTF_... payment PAY_... 200 OK 12 ms` (a JSON object
 *    per line with --json). The stream is reopened when it drops. Ctrl-C stops.
 *
 * The forwarding is done here, on the merchant's machine: the gateway's outbound policy plays no part.
 */
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError, type Command, type CommandIo } from './command.ts';
import { stringFlag } from './flag-values.ts';

export interface ListenOptions {
  /** The gateway's base URL (`http://127.0.0.1:8080`, without /cberest/v1). */
  readonly gatewayUrl: string;
  /** Where each notification is POSTed (`http://localhost:3000/notify`). */
  readonly forwardTo: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** One JSON object per forwarded notification instead of a line of text. */
  readonly json?: boolean | undefined;
  /** Stops listening (Ctrl-C); listen() then resolves 0. */
  readonly signal: AbortSignal;
  /** How long the local server may take (default 8 s: the gateway waits 10 s for the whole attempt). */
  readonly forwardTimeoutMs?: number | undefined;
  /** Waits before reopening a dropped stream, the last one repeated (default 1, 2, 5, 10 s). */
  readonly reconnectDelaysMs?: readonly number[] | undefined;
  /** Called each time the stream is open and the gateway has said ready. */
  readonly onReady?: (info: { readonly merchantId: string; readonly listenerId: string }) => void;
}

/** The flags of `listen` as main.ts parses them. */
export interface ListenFlags {
  readonly gateway?: string | undefined;
  readonly 'forward-to'?: string | undefined;
  readonly credentials?: string | undefined;
  readonly json?: boolean | undefined;
}

/** What a notification event of the stream carries (listen-routes.ts). */
interface NotificationEvent {
  readonly delivery_id: string;
  readonly notification_id: string;
  readonly object_type: string;
  readonly object_id: string;
  readonly attempt: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The largest part of the local server's answer sent back (what the gateway reads of a merchant's). */
const MAX_ANSWER_BYTES = 64 * 1024;
const DEFAULT_RECONNECT_DELAYS_MS = [1000, 2000, 5000, 10_000];

class FatalListenError extends Error {}

export const listenCommand: Command = {
  words: ['listen'],
  summary: "forward a merchant's notifications from a sandbox gateway to a local URL (like stripe listen)",
  flags: {
    'forward-to': {
      type: 'string',
      value: 'URL',
      help: 'where each notification is POSTed, e.g. http://localhost:3000/notify',
    },
    gateway: { type: 'string', value: 'URL', help: 'the gateway (default UMF_PUBLIC_URL, http://127.0.0.1:8080)' },
    credentials: {
      type: 'string',
      value: 'FILE',
      help: 'the JSON of merchant create --json (else UMF_CLIENT_ID, UMF_CLIENT_SECRET)',
    },
  },
  details: [
    "While it runs, the gateway delivers the merchant's notifications through it instead of to notify_url:",
    "the exact body and Signature are POSTed to --forward-to, and the answer counts as the attempt's.",
  ],
  examples: ['umf-gateway listen --credentials merchant.json --forward-to http://localhost:3000/notify'],
  async run({ flags, json, config, io, stopped }) {
    const settings = listenSettings(
      {
        gateway: stringFlag(flags, 'gateway'),
        'forward-to': stringFlag(flags, 'forward-to'),
        credentials: stringFlag(flags, 'credentials'),
      },
      process.env,
      config.publicUrl,
    );
    if ('error' in settings) throw new UsageError(`listen: ${settings.error}`, listenCommand);
    const controller = new AbortController();
    void stopped.then(() => controller.abort());
    return listen({ ...settings, json, signal: controller.signal }, io);
  },
};

/** The gateway, the forward URL and the client credentials of `listen`, or what is wrong with them. */
export function listenSettings(
  flags: ListenFlags,
  env: NodeJS.ProcessEnv,
  defaultGatewayUrl: string,
): Pick<ListenOptions, 'gatewayUrl' | 'forwardTo' | 'clientId' | 'clientSecret'> | { error: string } {
  const forwardTo = flags['forward-to'];
  if (!forwardTo) return { error: 'give --forward-to URL (e.g. http://localhost:3000/notify)' };
  if (!isHttpUrl(forwardTo)) return { error: `--forward-to must be an http:// or https:// URL, got ${forwardTo}` };
  const gatewayUrl = (flags.gateway ?? defaultGatewayUrl).replace(/\/+$/, '').replace(/\/cberest\/v1$/, '');
  if (!isHttpUrl(gatewayUrl)) return { error: `--gateway must be an http:// or https:// URL, got ${gatewayUrl}` };
  let clientId = env.UMF_CLIENT_ID;
  let clientSecret = env.UMF_CLIENT_SECRET;
  if (flags.credentials !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(flags.credentials, 'utf8'));
    } catch (error) {
      return { error: `cannot read --credentials ${flags.credentials}: ${(error as Error).message}` };
    }
    const file = (parsed ?? {}) as { client_id?: unknown; client_secret?: unknown };
    if (typeof file.client_id !== 'string' || typeof file.client_secret !== 'string')
      return { error: `--credentials ${flags.credentials}: no client_id and client_secret (merchant create --json)` };
    clientId = file.client_id;
    clientSecret = file.client_secret;
  }
  if (!clientId || !clientSecret)
    return {
      error:
        'no client credentials: set UMF_CLIENT_ID and UMF_CLIENT_SECRET, or give --credentials FILE ' +
        '(the JSON of merchant create --json)',
    };
  return { gatewayUrl, forwardTo, clientId, clientSecret };
}

/** Listens until the signal aborts (0), or until the gateway refuses the credentials or the stream (1). */
export async function listen(options: ListenOptions, io: CommandIo): Promise<number> {
  const delays = options.reconnectDelaysMs ?? DEFAULT_RECONNECT_DELAYS_MS;
  let failures = 0;
  let refusedTokens = 0;
  let token: string | undefined;
  while (!options.signal.aborted) {
    try {
      token ??= await accessToken(options);
      const result = await stream(options, token, io, () => {
        failures = 0;
        refusedTokens = 0;
      });
      if (result === 'token_invalid') {
        // Replaced (the merchant fetched a newer token) or expired: fetch another, once.
        token = undefined;
        if (++refusedTokens > 1) throw new FatalListenError('the gateway refuses each new access token (00280703)');
        continue;
      }
      if (options.signal.aborted) break;
      throw new Error('the gateway closed the stream');
    } catch (error) {
      if (options.signal.aborted) break;
      if (error instanceof FatalListenError) {
        io.err(`listen: ${error.message}\n`);
        return 1;
      }
      const wait = delays[Math.min(failures, delays.length - 1)] ?? 1000;
      failures++;
      io.err(`listen: ${(error as Error).message}; reconnecting in ${Math.round(wait / 100) / 10} s\n`);
      try {
        await sleep(wait, undefined, { signal: options.signal });
      } catch {
        break;
      }
    }
  }
  io.err('listen: stopped\n');
  return 0;
}

async function accessToken(options: ListenOptions): Promise<string> {
  const res = await fetch(`${options.gatewayUrl}/cberest/v1/oauth/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: options.clientId,
      client_secret: options.clientSecret,
      grant_type: 'client_credentials',
    }),
    signal: options.signal,
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; meta?: { ret_code?: string } };
  if (typeof body.access_token === 'string') return body.access_token;
  const code = body.meta?.ret_code;
  if (code === '00280701') throw new FatalListenError('the gateway refuses the client id or secret (00280701)');
  throw new Error(`no access token from ${options.gatewayUrl} (HTTP ${res.status}${code ? `, ${code}` : ''})`);
}

/** Reads the event stream until it ends: 'closed', or 'token_invalid' when the gateway refused the token. */
async function stream(
  options: ListenOptions,
  token: string,
  io: CommandIo,
  opened: () => void,
): Promise<'closed' | 'token_invalid'> {
  const res = await fetch(`${options.gatewayUrl}/listen/v1/notifications`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: options.signal,
  });
  if (res.status !== 200 || !res.body) {
    const body = (await res.json().catch(() => ({}))) as { meta?: { ret_code?: string; ret_msg?: string } };
    const code = body.meta?.ret_code;
    if (code === '00280703') return 'token_invalid';
    if (res.status === 404)
      throw new FatalListenError(
        `${options.gatewayUrl} has no listen endpoint (${code ?? 'HTTP 404'}): is it a umf-gateway in sandbox mode?`,
      );
    throw new Error(`the gateway answered HTTP ${res.status}${code ? ` ${code} ${body.meta?.ret_msg ?? ''}` : ''}`);
  }
  let listenerKey = '';
  const inFlight = new Set<Promise<void>>();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  const dispatch = (): void => {
    const text = data.join('\n');
    const name = event;
    event = 'message';
    data = [];
    if (text === '') return;
    const payload = JSON.parse(text) as Record<string, unknown>;
    if (name === 'ready') {
      listenerKey = String(payload.listener_key);
      const merchantId = String(payload.merchant_id);
      const listenerId = String(payload.listener_id);
      opened();
      io.err(
        `Ready. Forwarding the notifications of merchant ${merchantId} to ${options.forwardTo} ` +
          `(listener ${listenerId}). Ctrl-C to stop.\n`,
      );
      options.onReady?.({ merchantId, listenerId });
    } else if (name === 'notification') {
      const task = forward(options, payload as unknown as NotificationEvent, listenerKey, io);
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
    }
  };
  try {
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        if (line === '') dispatch();
        else if (line.startsWith(':')) continue;
        else if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
    }
  } catch (error) {
    if (!options.signal.aborted) throw new Error(`the stream broke: ${(error as Error).message}`);
  } finally {
    await Promise.allSettled([...inFlight]);
  }
  return 'closed';
}

/** POSTs one notification to the local server, prints its line, and reports the answer to the gateway. */
async function forward(
  options: ListenOptions,
  n: NotificationEvent,
  listenerKey: string,
  io: CommandIo,
): Promise<void> {
  const started = performance.now();
  let report: { status: number; body: string } | { error: string };
  try {
    const res = await fetch(options.forwardTo, {
      method: 'POST',
      headers: n.headers,
      body: n.body,
      redirect: 'manual',
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.forwardTimeoutMs ?? 8000)]),
    });
    report = { status: res.status, body: await readAnswer(res) };
  } catch (error) {
    if (options.signal.aborted) return; // stopping: the gateway sees the stream close
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${options.forwardTimeoutMs ?? 8000} ms`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    report = { error: `${options.forwardTo}: ${why}`.slice(0, 500) };
  }
  const ms = Math.round(performance.now() - started);
  const what = `${n.notification_id} ${n.object_type} ${n.object_id}`;
  if (options.json) {
    io.out(
      `${JSON.stringify({
        notification_id: n.notification_id,
        object_type: n.object_type,
        object_id: n.object_id,
        attempt: n.attempt,
        ...('status' in report ? { status: report.status } : { error: report.error }),
        ms,
      })}\n`,
    );
  } else if ('status' in report) {
    io.out(`--> ${what} ${report.status} ${STATUS_CODES[report.status] ?? ''} ${ms} ms\n`.replace('  ', ' '));
  } else {
    io.out(`--> ${what} error: ${report.error} ${ms} ms\n`);
  }
  try {
    const res = await fetch(`${options.gatewayUrl}/listen/v1/deliveries/${encodeURIComponent(n.delivery_id)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'listener-key': listenerKey },
      body: JSON.stringify(report),
    });
    const body = (await res.json().catch(() => ({}))) as { meta?: { ret_code?: string; ret_msg?: string } };
    if (res.status !== 200) {
      io.err(
        `    the gateway did not take the answer to ${n.notification_id}: ` +
          `${body.meta?.ret_code ?? res.status} ${body.meta?.ret_msg ?? ''}\n`,
      );
    }
  } catch (error) {
    io.err(`    could not report the answer to ${n.notification_id}: ${(error as Error).message}\n`);
  }
}

async function readAnswer(res: Response): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    const bytes = chunk;
    chunks.push(bytes.subarray(0, MAX_ANSWER_BYTES - size));
    size += Math.min(bytes.length, MAX_ANSWER_BYTES - size);
    if (size >= MAX_ANSWER_BYTES) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
