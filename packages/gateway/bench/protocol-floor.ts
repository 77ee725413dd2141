/**
 * The "protocol floor": the least any UMF-compatible server must do per create-payment request, on
 * bare node:http. It reads the body, verifies the request's SHA256withRSA signature with the
 * merchant's public key, parses the JSON, and answers a signed response of the same shape and size
 * as the gateway's. No storage, no validation, no FX. The benchmark compares the gateway to it.
 *
 * Usage: node --import tsx bench/protocol-floor.ts <merchant-public-key.pem>   (prints "listening on URL")
 */
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parsePublicKey, signSha256WithRsa, verifySha256WithRsa } from '../src/crypto/rsa-signature.ts';

const merchantKey = parsePublicKey(readFileSync(process.argv[2]!, 'utf8'));
const { privateKey: platformKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

function respond(
  res: import('node:http').ServerResponse,
  status: number,
  result: Record<string, unknown>,
  code = '0000',
  msg = 'Successful',
): void {
  const json = JSON.stringify(result);
  const sign = signSha256WithRsa(platformKey, json);
  const body = `{"meta":{"ret_code":"${code}","ret_msg":"${msg}","sign":"${sign}"},${json.slice(1)}`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'GET') {
      respond(res, 200, { payment: { id: req.url?.split('/').pop(), state: 'WAIT_BUYER_PAY' } });
      return;
    }
    const body = Buffer.concat(chunks);
    const signature = String(req.headers.signature ?? '');
    if (!verifySha256WithRsa(merchantKey, body, signature)) {
      respond(res, 401, {}, '00060710', 'Merchant signature validation failure');
      return;
    }
    const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const id = 'PAY_' + randomBytes(13).toString('hex').toUpperCase().slice(0, 21);
    const self = `http://127.0.0.1/cberest/v1/payments/payment/${id}`;
    const links = [
      { ref: 'self', rel: 'self', method: 'GET', href: self },
      { ref: 'sms_verify', rel: 'sms_verify', method: 'POST', href: `${self}/verify` },
    ];
    respond(res, 201, { payment: { id, state: 'WAIT_BUYER_PAY', ...parsed, links }, links });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stderr.write(`listening on http://127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
