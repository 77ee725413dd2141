/**
 * Enterprise qualification (reference 4.1-4.2, WIRE-NOTES.md paths):
 *   POST /enterprise_qualification        register a company of the merchant (201, DISABLE)
 *   GET  /enterprise_qualification/{id}   a company of this merchant with its enterprise_status and rank
 *                                         (404 00060780 for anyone else's)
 * Both answer `{"enterprise_qualification":{...},"links":[self]}` (the 4.1 sample's shape). A POST with
 * an Idempotency-Key is replayed as the other POSTs are (http/idempotency.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import { RET } from '../errors/catalogue.ts';
import { merchantOf, resumedOf } from '../http/umf-plugin.ts';
import type { EnterpriseService } from './enterprise-service.ts';
import type { EnterpriseRecord } from './enterprise-record.ts';
import { getEnterpriseRoute, registerEnterpriseRoute, type RegisterEnterpriseRequest } from './enterprise-schemas.ts';

export interface EnterpriseRoutesDeps {
  readonly enterprises: EnterpriseService;
  /** The answer of a company (enterprise-view.ts enterpriseAnswer with the API base). */
  readonly render: (enterprise: EnterpriseRecord) => Record<string, unknown>;
}

type IdParams = { Params: { id: string } };

export function enterpriseRoutes({ enterprises, render }: EnterpriseRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const register = { schema: registerEnterpriseRoute };
    app.post<{ Body: RegisterEnterpriseRequest }>('/enterprise_qualification', register, async (request, reply) => {
      const body = request.body as Record<string, unknown>;
      const created = await enterprises.register(merchantOf(request), body, resumedOf(request));
      return reply.umf(render(created), RET.SUCCESS, 201);
    });

    const get = { schema: getEnterpriseRoute };
    app.get<IdParams>('/enterprise_qualification/:id', get, async (request, reply) => {
      return reply.umf(render(await enterprises.get(merchantOf(request), request.params.id)));
    });
  };
}
