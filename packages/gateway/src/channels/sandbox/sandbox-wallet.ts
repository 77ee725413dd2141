/**
 * The sandbox wallets. WeChat Pay and Alipay QR codes point at the gateway's own wallet page
 * (`/sandbox/wallet/{wechat|alipay}/{payment}`), which a person opens with a phone camera or a
 * browser and pays with one button. WeChat prepay orders get a pay_info signed the way WeChat Pay
 * signs it (MD5 over the sorted parameters and the sandbox API key); the sandbox "WeChat browser"
 * page checks that signature before it lets the payer pay. Refunds back to the wallet are answered as
 * ../sandbox-refunds.ts describes (success after 2 s; amounts ending in .13 are refused).
 */
import { randomBytes } from 'node:crypto';
import type { PageTokens } from '../../crypto/page-tokens.ts';
import type { RefundRequest, RefundResult, WalletChannel, WalletPayInfo, WalletProvider } from '../channels.ts';
import { sandboxRefundOutcome } from './sandbox-refunds.ts';
import { appPayInfo, jsapiPayInfo, payInfoValid } from '../wechat-pay-sign.ts';
import { chinaTimestamp } from '../../time/china-time.ts';

export class SandboxWallet implements WalletChannel {
  readonly #publicUrl: () => string;
  readonly #tokens: PageTokens;
  readonly appId: string;
  readonly partnerId: string;
  readonly #apiKey: string;

  constructor(options: { publicUrl: () => string; tokens: PageTokens }) {
    this.#publicUrl = options.publicUrl;
    this.#tokens = options.tokens;
    this.appId = 'wx' + options.tokens.secret('wechat app id', 16);
    this.partnerId =
      '19' +
      String(parseInt(options.tokens.secret('wechat partner id', 8), 16))
        .padStart(8, '0')
        .slice(0, 8);
    this.#apiKey = options.tokens.secret('wechat api key', 32);
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    return sandboxRefundOutcome(request);
  }

  qrCodeUrl(paymentId: string, provider: WalletProvider): string {
    const token = this.#tokens.token(`wallet-${provider}`, paymentId);
    return `${this.#publicUrl()}/sandbox/wallet/${provider.toLowerCase()}/${paymentId}?t=${token}`;
  }

  prepay(request: { paymentId: string; kind: 'JSAPI' | 'APP'; openId?: string; now: number }): {
    prepayId: string;
    payInfo: WalletPayInfo;
  } {
    const stamp = chinaTimestamp(request.now);
    const prepayId = `wx${stamp}${randomBytes(9).toString('hex')}`;
    const common = {
      appId: this.appId,
      prepayId,
      timeStamp: String(Math.floor(request.now / 1000)),
      nonceStr: randomBytes(16).toString('hex'),
      apiKey: this.#apiKey,
    };
    const payInfo =
      request.kind === 'JSAPI' ? jsapiPayInfo(common) : appPayInfo({ ...common, partnerId: this.partnerId });
    return { prepayId, payInfo };
  }

  payInfoValid(info: WalletPayInfo): boolean {
    return info.app_id === this.appId && payInfoValid(info, this.#apiKey);
  }

  openIdAuthorizeUrl(state: string, redirectUri: string): string {
    const query = new URLSearchParams({
      appid: this.appId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'snsapi_base',
      state,
    });
    return `${this.#publicUrl()}/sandbox/wechat/oauth2/authorize?${query.toString()}#wechat_redirect`;
  }
}
