/** The `links` of UMF objects (HATEOAS): `ref` and `rel` name the link, `method` and `href` say how. */
export interface Link {
  readonly ref: string;
  readonly rel: string;
  readonly method: 'GET' | 'POST';
  readonly href: string;
}

export function link(ref: string, method: 'GET' | 'POST', href: string): Link {
  return { ref, rel: ref, method, href };
}

/** Where the gateway is reached, read at every use (a test gateway learns its port after start-up). */
export interface PublicUrls {
  /** The base of every link, without a trailing slash, e.g. `http://127.0.0.1:8080`. */
  readonly publicUrl: () => string;
}

export const API_PREFIX = '/cberest/v1';

/** The API's base URL: `<public url>/cberest/v1`. */
export function apiBase(urls: PublicUrls): string {
  return `${urls.publicUrl()}${API_PREFIX}`;
}
