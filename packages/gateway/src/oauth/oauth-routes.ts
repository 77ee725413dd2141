/**
 * POST /oauth/authorize: OAuth2 client credentials (oauth-service.ts). JSON or form-encoded body, or
 * HTTP Basic credentials. The answer is compact JSON with `access_token` FIRST (a real integration
 * reads it by position) and is not signed; errors are signed UMF errors like every other answer, and
 * a throttled source (oauth-service.ts) gets a `Retry-After` header.
 */
import type { FastifyPluginAsync } from 'fastify';
import { DomainError } from '../errors/domain-error.ts';
import { RET, UmfError } from '../errors/catalogue.ts';
import { normaliseKeys } from '../http/request-json.ts';
import { normaliseBody } from '../http/body-normaliser.ts';
import { authorizeRoute, TokenRequest } from './oauth-schemas.ts';
import type { ClientCredentials, OAuthService } from './oauth-service.ts';

export interface OAuthRoutesDeps {
  readonly oauth: OAuthService;
}

export function oauthRoutes(deps: OAuthRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: Record<string, unknown> }>(
      '/oauth/authorize',
      {
        schema: authorizeRoute,
        // The body as JSON or a form, normalised, for the schema (there is no signature to check first).
        preValidation: async (request) => {
          request.body = normaliseBody(TokenRequest, readFields(request.headers['content-type'], request.rawBody));
        },
      },
      async (request, reply) => {
        const credentials = credentialsOf(request.body, request.headers.authorization);
        let issued;
        try {
          issued = await deps.oauth.authorize(credentials, request.ip);
        } catch (error) {
          const retryAfterMs = error instanceof DomainError ? error.facts.retryAfterMs : undefined;
          if (retryAfterMs !== undefined) reply.header('retry-after', String(Math.ceil(retryAfterMs / 1000)));
          throw error;
        }
        return reply
          .code(200)
          .header('content-type', 'application/json; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(`{"access_token":"${issued.accessToken}","expires_in":${issued.expiresIn}}`);
      },
    );
  };
}

/** The fields of a token request: a form, or a JSON object (INVALID_JSON otherwise); none when empty. */
function readFields(contentType: string | undefined, raw: Buffer | undefined): Record<string, unknown> {
  const text = raw?.toString('utf8').trim() ?? '';
  if (!text) return {};
  if (contentType?.includes('application/x-www-form-urlencoded') || (!text.startsWith('{') && text.includes('='))) {
    return normaliseKeys(Object.fromEntries(new URLSearchParams(text))) as Record<string, unknown>;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return normaliseKeys(parsed) as Record<string, unknown>;
  } catch {
    throw new UmfError(RET.INVALID_JSON);
  }
}

/** The credentials of the body's fields, completed by HTTP Basic credentials. */
function credentialsOf(fields: Record<string, unknown>, authorization: string | undefined): ClientCredentials {
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : undefined);
  const credentials: { -readonly [K in keyof ClientCredentials]: ClientCredentials[K] } = {
    clientId: str(fields.client_id),
    clientSecret: str(fields.client_secret),
    grantType: str(fields.grant_type),
  };
  const basic = /^\s*Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      credentials.clientId ??= decodeURIComponent(decoded.slice(0, colon));
      credentials.clientSecret ??= decodeURIComponent(decoded.slice(colon + 1));
    }
  }
  return credentials;
}
