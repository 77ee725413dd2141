/**
 * The umf-sdk client of a test merchant against the harness's gateway, loaded the way real clients
 * load their files: the merchant key as PKCS#8 DER (the .key.p8), the platform certificate as DER (the
 * .crt), and the merchant's field encryption. `overrides` change or add options: `maxRetries: 0`, a
 * `fetch` wrapper, `acceptLanguage`, a PEM certificate, another key.
 */
import { UmfClient, type UmfClientOptions } from 'umf-sdk';
import type { Harness, TestMerchant } from './gateway-harness.ts';

export function sdkClient(h: Harness, merchant: TestMerchant, overrides: Partial<UmfClientOptions> = {}): UmfClient {
  return new UmfClient({
    baseUrl: h.api,
    clientId: merchant.clientId,
    clientSecret: merchant.clientSecret,
    merchantPrivateKey: merchant.privateKey.export({ type: 'pkcs8', format: 'der' }),
    platformCertificate: h.platformCert.raw,
    encryption: merchant.encryption,
    ...overrides,
  });
}
