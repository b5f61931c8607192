import { Client } from 'pg';
import request from 'supertest';
import { LogService } from 'src/log/log.service';
import { GenerationResult } from 'src/model-runtime/generation.types';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { newWorld, World } from 'test/support/auth-fixtures';
import { createProxiedDatabase, ProxiedDatabase } from 'test/support/proxied-database';
import { logSizeOf, postAsApplication } from 'test/support/records-fixtures';
import { createTestApp, TestApp } from 'test/support/test-app';

// Fail closed: a generation's text is released only with its committed record. With PostgreSQL
// gone (a TCP proxy between the app and the shared test server is cut: every connection reset,
// new ones refused), a generation request must get an error without any text, and nothing may be
// committed for it later. Once the database is back, generation works again and the log
// verifies. If the service released the text before (or without) the commit, the `text` checks
// fail; if it queued the record to write later, the log-size checks after restore fail.

interface ErrorResponse {
  error: { code: string; message: string; errorId?: string };
}

/** Every property name anywhere in a JSON value. */
function keysIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => keysIn(v, into));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      keysIn(v, into);
    }
  }
  return into;
}

describe('generation with the database down', () => {
  let db: ProxiedDatabase;
  let t: TestApp;
  let w: World;
  let owner: Client;
  let runtime: ModelRuntime;

  const generate = (body: object, idempotencyKey?: string) =>
    postAsApplication(t, '/v1/generations', w.keys.generate.key, body, idempotencyKey);
  /** Read directly, not through the proxy, so it works while the app's database is cut. */
  const logSize = () => logSizeOf(owner, w.tenantId);
  const expectNoText = (res: request.Response, generated?: string) => {
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect([...keysIn(res.body)]).not.toContain('text');
    if (generated) expect(res.text).not.toContain(generated);
  };

  beforeAll(async () => {
    db = await createProxiedDatabase();
    t = await createTestApp({ database: db.database, env: db.env, runWorkers: false });
    w = await newWorld(t);
    owner = new Client({ connectionString: db.directUrl });
    await owner.connect();
    runtime = t.app.get(ModelRuntime);
  });
  afterAll(async () => {
    db?.proxy.restore();
    await owner?.end();
    await t?.app.close();
    await db?.close();
  });
  afterEach(() => {
    db.proxy.restore();
    jest.restoreAllMocks();
  });

  it('answers 503 without text when the database goes away before the record is committed', async () => {
    expect((await generate({ prompt: 'The budget', maxTokens: 4, seed: 1 })).status).toBe(201);
    const before = await logSize();
    // The request authenticates and generates with the database up; it is cut in the moment
    // between the output and its record's commit, the window fail-closed exists for.
    const generateOnce = runtime.generate.bind(runtime);
    let generated: GenerationResult | undefined;
    jest.spyOn(runtime, 'generate').mockImplementationOnce(async (prompt, options) => {
      generated = await generateOnce(prompt, options);
      db.proxy.cut();
      return generated;
    });
    const res = await generate({ prompt: 'The committee', maxTokens: 8, seed: 5 }, 'db-down-0001');
    expect(generated?.text.length).toBeGreaterThan(0);
    expect(res.status).toBe(503);
    expect((res.body as ErrorResponse).error).toMatchObject({
      code: 'record_not_committed',
      errorId: expect.any(String) as string,
    });
    expectNoText(res, generated?.text);
    expect(await logSize()).toBe(before);

    // Back up: the failed request left nothing behind that commits late, and its retry with the
    // same Idempotency-Key is a new record (not a replay of one committed after all).
    db.proxy.restore();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await logSize()).toBe(before);
    const retry = await generate(
      { prompt: 'The committee', maxTokens: 8, seed: 5 },
      'db-down-0001',
    );
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ text: generated?.text, replayed: false, logIndex: before });
    expect(await logSize()).toBe(before + 1);
  });

  it('refuses a request that arrives while the database is down, without text', async () => {
    const before = await logSize();
    db.proxy.cut();
    const res = await generate({ prompt: 'The treaty', maxTokens: 4, seed: 2 });
    // The API key cannot be checked without the database, so the request fails in the guard,
    // before any generation: a 503 that tells the client to retry, with an error id.
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect((res.body as ErrorResponse).error).toMatchObject({
      code: 'database_unavailable',
      errorId: expect.any(String) as string,
    });
    expectNoText(res);
    db.proxy.restore();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await logSize()).toBe(before);
  });

  it('generates again once the database is back, and the log verifies', async () => {
    db.proxy.cut();
    db.proxy.restore();
    const before = await logSize();
    const res = await generate({ prompt: 'The report', maxTokens: 6, seed: 3 });
    expect(res.status).toBe(201);
    expect((res.body as { text: string }).text.length).toBeGreaterThan(0);
    expect(await logSize()).toBe(before + 1);
    expect(await t.app.get(LogService).verifyLog(w.tenantId)).toEqual({
      size: before + 1,
      problem: null,
    });
  });
});
