/**
 * The gateway's own OpenAPI document (GET /cberest/v1/openapi.json of a running gateway, no token):
 * a valid OpenAPI 3.1 document whose operations are exactly the /cberest/v1 routes the gateway serves,
 * each with its answers, on the gateway's public URL.
 */
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startHarness, type Harness } from '../helpers/gateway-harness.ts';
import { testDatabaseUrls } from '../helpers/test-databases.ts';

/** The routes of a Fastify app, from its route tree (`METHOD /path`), under a prefix. */
function routesOf(tree: string, prefix: string): Set<string> {
  const routes = new Set<string>();
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)(?:[└├]── )?(\S.*?) \(([A-Z, ]+)\)$/.exec(line) ?? /^([│ ]*)(?:[└├]── )?(\S.*)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const methods = m[3];
    if (!methods) continue;
    const path = stack.join('');
    if (!path.startsWith(prefix)) continue;
    for (const method of methods.split(',').map((s) => s.trim())) {
      if (method === 'HEAD') continue;
      routes.add(`${method} ${path.slice(prefix.length).replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes;
}

describe("the gateway's OpenAPI document", () => {
  let h: Harness;
  let doc: any;

  before(async () => {
    h = await startHarness(testDatabaseUrls()[0]!, { workers: false });
    const res = await fetch(`${h.baseUrl}/cberest/v1/openapi.json`);
    assert.equal(res.status, 200);
    doc = await res.json();
  });
  after(async () => {
    await h?.close();
  });

  test('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(doc));
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(doc.openapi, '3.1.0');
  });

  test('names the gateway (its public URL, known once it listens) as its server, on the page too', async () => {
    assert.deepEqual(
      doc.servers.map((s: { url: string }) => s.url),
      [`${h.baseUrl}/cberest/v1`],
    );
    const page = (await (await fetch(`${h.baseUrl}/docs/json`)).json()) as { servers: Array<{ url: string }> };
    assert.deepEqual(page.servers, doc.servers, 'the API reference page reads the same document');
  });

  test('describes exactly the /cberest/v1 routes the gateway serves, each with a success and an error answer', () => {
    const served = routesOf(h.gateway.app.printRoutes({ commonPrefix: false }), '/cberest/v1');
    served.delete('GET /openapi.json');
    assert.ok(served.size >= 17, `the gateway's routes were read: ${[...served].join(', ')}`);
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(item)) {
        documented.add(`${method.toUpperCase()} ${path}`);
        const statuses = Object.keys(op.responses ?? {});
        assert.ok(
          statuses.some((s) => /^2\d\d$/.test(s)),
          `${method} ${path} documents its success`,
        );
        assert.ok(
          statuses.some((s) => /^4/.test(s)),
          `${method} ${path} documents its errors`,
        );
        assert.ok(op.summary && op.operationId, `${method} ${path} has a summary and an operationId`);
      }
    }
    assert.deepEqual([...documented].sort(), [...served].sort());
  });
});
