/**
 * Download files (transaction list, reconciliation statement, customs list): plain text sent as an
 * attachment, signed like a notification. The `Signature` header is base64 SHA256withRSA over the
 * exact bytes of the body with the platform key, so a merchant verifies a file with the platform
 * certificate exactly as it verifies a notification. `Digest`-style integrity for free: a truncated
 * or altered file fails verification.
 *
 *   HTTP/1.1 200 OK
 *   Content-Type: text/plain; charset=utf-8
 *   Content-Disposition: attachment; filename="TRANS_<merchant>_<date>.txt"
 *   Signature: <base64>
 *
 * Errors (a bad date, an unknown statement) are ordinary signed UMF JSON errors.
 */
import type { FastifyReply } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { signSha256WithRsaOffThread } from './signed-body.ts';

export interface SignedFile {
  /** File name offered to the client (ASCII letters, digits, `_`, `-`, `.`). */
  readonly filename: string;
  /** The whole file. */
  readonly body: string;
}

export async function sendSignedFile(
  reply: FastifyReply,
  ctx: GatewayContext,
  file: SignedFile,
): Promise<FastifyReply> {
  if (!/^[A-Za-z0-9_.-]{1,200}$/.test(file.filename)) throw new Error(`unsafe download file name: ${file.filename}`);
  const bytes = Buffer.from(file.body, 'utf8');
  // Signed off the event loop (a file may be large). A signing failure rejects, so it reaches the error
  // handler as an ordinary error (not an unhandled rejection), and no download header is set by then.
  const signature = await signSha256WithRsaOffThread(ctx.platform.privateKey, bytes);
  return reply
    .code(200)
    .header('content-type', 'text/plain; charset=utf-8')
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .header('cache-control', 'no-store')
    .header('signature', signature)
    .send(bytes);
}
