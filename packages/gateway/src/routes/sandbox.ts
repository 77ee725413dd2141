/**
 * Sandbox endpoints (sandbox mode only): what the outside parties would show a person.
 * GET /sandbox/sms?phone=...  the SMS messages the platform "sent", newest first.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { RET, UmfError } from '../errors/catalogue.ts';
import { chinaTime } from '../domain/payment-view.ts';

export function sandboxRoutes(ctx: GatewayContext, _notify: () => void): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { phone?: string; limit?: string } }>('/sandbox/sms', async (request, reply) => {
      const phone = request.query.phone?.trim();
      if (!phone) throw new UmfError(RET.VALIDATION, 'phone is required');
      const limit = Math.min(Math.max(Number(request.query.limit ?? 50) || 50, 1), 500);
      const rows = await ctx.db.selectFrom('sandbox_sms').selectAll().where('phone', '=', phone).orderBy('sent_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return reply.send({
        messages: rows.map((r) => ({ phone: r.phone, code: r.code, payment_id: r.payment_id, sent_at: chinaTime(Number(r.sent_at)) })),
      });
    });
  };
}
