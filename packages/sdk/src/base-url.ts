// What a `baseUrl` that does not reach the UMF API most likely should have been. The SDK accepts any
// http(s) baseUrl (a proxy may serve the API under another path), and only says so when the server
// answers a request as something other than the UMF API.

/** Where the UMF API lives, on the platform and on umf-gateway. */
export const API_PATH = '/cberest/v1';

/**
 * The baseUrl to use instead of `baseUrl`, when its path does not end with `/cberest/v1`:
 * `http://h:8080` and `http://h:8080/` -> `http://h:8080/cberest/v1`, `.../cberest` -> `.../cberest/v1`,
 * `.../cberest/v1/payments` -> `.../cberest/v1`. Undefined when the path already ends with `/cberest/v1`.
 */
export function suggestBaseUrl(baseUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return undefined;
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith(API_PATH)) return undefined;
  const inside = path.indexOf(`${API_PATH}/`);
  let fixed: string;
  if (inside >= 0) fixed = path.slice(0, inside + API_PATH.length);
  else if (path.endsWith('/cberest')) fixed = `${path}/v1`;
  else fixed = `${path}${API_PATH}`;
  return url.origin + fixed;
}

/**
 * The sentence an error message ends with when a response did not come from the UMF API: what to change
 * in the baseUrl, or, when it already ends with /cberest/v1, what else to check.
 */
export function baseUrlAdvice(baseUrl: string): string {
  const suggestion = suggestBaseUrl(baseUrl);
  if (suggestion !== undefined) {
    return (
      `baseUrl ${JSON.stringify(baseUrl)} does not end with ${API_PATH}, the path of the UMF API: ` +
      `use baseUrl ${JSON.stringify(suggestion)}.`
    );
  }
  return (
    `The server at baseUrl ${JSON.stringify(baseUrl)} did not answer as the UMF API: check its host and port, ` +
    `and that a proxy in front of it forwards ${API_PATH}/... unchanged.`
  );
}
