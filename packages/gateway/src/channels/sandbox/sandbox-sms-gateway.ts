/** The sandbox SMS gateway: messages land in an inbox readable at GET /sandbox/sms?phone=... */
import { newId } from '../../store/ids.ts';
import type { Db, SmsGateway } from '../channels.ts';

export class SandboxSmsGateway implements SmsGateway {
  async send(db: Db, message: { phone: string; code: string; paymentId: string; sentAt: number }): Promise<void> {
    await db
      .insertInto('sandbox_sms')
      .values({
        id: newId('SMS_'),
        phone: message.phone,
        code: message.code,
        payment_id: message.paymentId,
        sent_at: message.sentAt,
      })
      .execute();
  }
}
