import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, TestApp } from 'test/support/test-app';

/**
 * The published API contract: the OpenAPI document the service serves must equal the committed
 * `docs/openapi.json`. A refactoring that changes a route, a DTO or a response shape by accident
 * fails here; a deliberate change rewrites the file (`UPDATE_OPENAPI=1 npx jest openapi`) and the
 * diff is reviewed with the code.
 */
const SNAPSHOT = join(__dirname, '..', '..', 'docs', 'openapi.json');

describe('OpenAPI document', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('equals the committed docs/openapi.json', async () => {
    const res = await request(t.app.getHttpServer()).get('/docs-json').expect(200);
    const served = `${JSON.stringify(res.body, null, 2)}\n`;
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(SNAPSHOT, served);
    expect(JSON.parse(served)).toEqual(JSON.parse(readFileSync(SNAPSHOT, 'utf8')));
  });

  it('lists each header of an operation once (header names are case-insensitive)', async () => {
    const res = await request(t.app.getHttpServer()).get('/docs-json').expect(200);
    const doc = res.body as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    const twice: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const headers = (op.parameters ?? [])
          .filter((p) => p.in === 'header')
          .map((p) => p.name.toLowerCase());
        if (new Set(headers).size !== headers.length) twice.push(`${method} ${path}`);
      }
    }
    expect(twice).toEqual([]);
  });
});
