/**
 * A console visitor over fetch: a cookie jar, the forms' CSRF tokens, sign-in and sign-out as a
 * browser does them (the browser tests drive Chromium; these drive the HTTP contract).
 */
import type { Harness } from './gateway-harness.ts';

export interface ConsolePage {
  readonly status: number;
  readonly location: string | null;
  readonly text: string;
  readonly headers: Headers;
}

export class ConsoleVisitor {
  readonly jar = new Map<string, string>();
  constructor(readonly h: Harness) {}

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (attrs.some((a) => a.trim() === 'Max-Age=0')) this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  async get(path: string): Promise<ConsolePage> {
    const res = await fetch(`${this.h.baseUrl}${path}`, {
      redirect: 'manual',
      headers: { cookie: this.cookieHeader() },
    });
    this.#keep(res);
    return { status: res.status, location: res.headers.get('location'), text: await res.text(), headers: res.headers };
  }

  async post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<ConsolePage> {
    const res = await fetch(`${this.h.baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: this.h.baseUrl,
        cookie: this.cookieHeader(),
        ...headers,
      },
      body: new URLSearchParams(fields).toString(),
    });
    this.#keep(res);
    return { status: res.status, location: res.headers.get('location'), text: await res.text(), headers: res.headers };
  }

  /** The CSRF token of the first form of a page. */
  static csrfOf(page: ConsolePage): string {
    const match = /name="csrf" value="([^"]+)"/.exec(page.text);
    if (!match) throw new Error(`no csrf field: ${page.status} ${page.text.slice(0, 200)}`);
    return match[1]!;
  }

  /** Opens the sign-in page and posts the form. */
  async login(email: string, password: string): Promise<ConsolePage> {
    const form = await this.get('/console/login');
    return this.post('/console/login', { csrf: ConsoleVisitor.csrfOf(form), email, password });
  }

  /** The CSRF token of a signed-in page (the sign-out forms carry it). */
  async sessionCsrf(): Promise<string> {
    return ConsoleVisitor.csrfOf(await this.get('/console'));
  }
}
