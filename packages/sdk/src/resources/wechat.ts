import { UmfApiError } from '../errors.ts';
import type { RequestOptions } from '../types.ts';
import type { ClientContext } from './context.ts';

/** `client.wechat`: the WeChat official-account authorisation that yields a payer's open_id (WECHAT_WEB). */
export class Wechat {
  readonly #ctx: ClientContext;
  constructor(ctx: ClientContext) {
    this.#ctx = ctx;
  }

  /**
   * `GET /payments/wechat_openid?notify_url=...`: the WeChat authorisation link (`links[0].href`). Open
   * it in the payer's WeChat browser; after the payer accepts, the browser comes back to `notifyUrl`
   * with `open_id` and `state` (read them with `parseOpenIdRedirect`).
   */
  async openIdLink(notifyUrl: string, options: RequestOptions = {}): Promise<string> {
    let parsed: URL | undefined;
    try {
      parsed = typeof notifyUrl === 'string' ? new URL(notifyUrl) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new TypeError('wechat.openIdLink: notifyUrl must be an absolute http(s) URL');
    }
    const path = '/payments/wechat_openid';
    const res = await this.#ctx.transport.requestSigned(
      { method: 'GET', path, query: { notify_url: notifyUrl } },
      options,
      this.#ctx.tokens,
    );
    const links = res.data.links;
    const first = Array.isArray(links) ? (links[0] as { href?: unknown } | undefined) : undefined;
    const href = first && typeof first === 'object' ? first.href : undefined;
    let ok = false;
    try {
      ok = typeof href === 'string' && /^https?:$/.test(new URL(href).protocol);
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new UmfApiError(`GET ${path}: the response has no authorisation link (links[0].href)`, {
        httpStatus: res.httpStatus,
        requestId: res.requestId,
      });
    }
    return href as string;
  }
}
