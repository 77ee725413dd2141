/**
 * Schemas of POST /oauth/authorize (oauth-routes.ts): the client-credentials request (JSON or form
 * body; the client id and secret may come as HTTP Basic credentials instead), the token answer (no
 * `meta`, not signed, compact, `access_token` first) and the route schema. The credentials are read
 * leniently (a value that is not a string counts as absent, then the Basic credentials are used), so
 * they are described, not constrained; their lengths are checked in code (00280701).
 */
import Type, { type Static } from 'typebox';
import { ERROR_RESPONSES, codes, lenient } from '../http/common-schemas.ts';
import { refTo, shared } from '../http/schema-registry.ts';

export const TokenRequest = shared(
  Type.Object(
    {
      grant_type: Type.String({
        enum: ['client_credentials'],
        'x-umf-code': 'UNSUPPORTED_GRANT_TYPE',
        description: `Always \`client_credentials\` (${codes('UNSUPPORTED_GRANT_TYPE')}).`,
        examples: ['client_credentials'],
      }),
      client_id: Type.Optional(lenient("The merchant's client id (or the user of HTTP Basic credentials).")),
      client_secret: Type.Optional(
        lenient("The merchant's client secret (or the password of HTTP Basic credentials)."),
      ),
    },
    {
      $id: 'TokenRequest',
      description: 'OAuth2 client credentials, as JSON or as a form (`application/x-www-form-urlencoded`).',
      examples: [{ grant_type: 'client_credentials', client_id: 'c_0123456789abcdef', client_secret: '...' }],
    },
  ),
);
export type TokenRequest = Static<typeof TokenRequest>;

export const TokenAnswer = shared(
  Type.Object(
    {
      access_token: Type.String({
        pattern: '^[0-9a-f]{64}$',
        description: 'The token: `Authorization: Bearer<token>`.',
      }),
      expires_in: Type.Integer({ minimum: 1, description: 'Seconds until the token expires.', examples: [3600] }),
    },
    {
      $id: 'TokenAnswer',
      description:
        "A new access token, which replaces the merchant's previous one. Compact JSON, `access_token` first, " +
        'without `meta` and unsigned: `{"access_token":"...","expires_in":3600}`.',
    },
  ),
);
export type TokenAnswer = Static<typeof TokenAnswer>;

export const authorizeRoute = {
  summary: 'Get an access token',
  description:
    'OAuth2 client credentials: a token for the other routes, sent as `Authorization: Bearer<token>` (with or ' +
    'without a space). A new token disables the previous one; an expired or replaced token is ' +
    `${codes('TOKEN_INVALID')}: ` +
    `fetch a new one and retry. Wrong credentials: ${codes('INVALID_CLIENT')}; after 10 failures for one client id ` +
    'from one address (or 100 from one address), that address waits 1 s, then twice as long after each ' +
    `further failure, at most 15 minutes (${codes('TOO_MANY_AUTH_ATTEMPTS')} with \`Retry-After\`); other ` +
    'addresses are not affected.',
  tags: ['OAuth'],
  operationId: 'authorize',
  security: [],
  body: {
    content: {
      'application/json': { schema: refTo(TokenRequest) },
      'application/x-www-form-urlencoded': { schema: refTo(TokenRequest) },
    },
  },
  response: { 200: refTo(TokenAnswer), ...ERROR_RESPONSES },
};
