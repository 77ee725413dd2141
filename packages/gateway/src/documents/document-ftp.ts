/**
 * The documents FTP server's application side (ftp/ftp-server.ts FtpBackend): a merchant logs in
 * with its FTP account (merchants/), sees its uploads as the files of `/`, and uploads ZIPs that
 * DocumentService accepts or refuses. The account is checked again at each upload: a new password
 * (`umf-gateway merchant ftp-password`) ends what the old one opened.
 */
import type { FtpBackend, FtpReply } from '../ftp/ftp-server.ts';
import type { FtpAccount } from '../merchants/merchant-repository.ts';
import type { MerchantService } from '../merchants/merchant-service.ts';
import type { DocumentService, UploadRefusal } from './document-service.ts';

const STALE_ACCOUNT: FtpReply = {
  code: 530,
  message: 'your FTP password was changed or the merchant disabled: log in again',
};

/** The FTP reply of a refused upload: 553 for a name the rules refuse, 550 for the rest. */
export function refusalReply(refusal: UploadRefusal): FtpReply {
  return { code: refusal.refused === 'name' ? 553 : 550, message: `Refused: ${refusal.message}` };
}

export function documentsFtpBackend(deps: {
  readonly merchants: MerchantService;
  readonly documents: DocumentService;
}): FtpBackend<FtpAccount> {
  const { merchants, documents } = deps;
  return {
    login: (user, password) => merchants.ftpLogin(user, password),
    async list(account) {
      const files = await documents.filesOf(account.merchantId);
      return files.map((d) => ({ name: d.file_name, size: d.size_bytes, modifiedAt: d.created_at }));
    },
    async checkUpload(account, name) {
      if (!(await merchants.ftpAccountHolds(account))) return STALE_ACCOUNT;
      const refusal = await documents.checkUpload(account.merchantId, name);
      return refusal && refusalReply(refusal);
    },
    async upload(account, name, data) {
      if (!(await merchants.ftpAccountHolds(account))) return STALE_ACCOUNT;
      const outcome = await documents.accept(account.merchantId, name, data);
      if ('refused' in outcome) return refusalReply(outcome);
      return {
        code: 226,
        message: `Accepted ${name} as ${outcome.id} (${outcome.entries.length} file(s)): pending review`,
      };
    },
  };
}
