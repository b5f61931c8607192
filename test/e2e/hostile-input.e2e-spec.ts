import request from 'supertest';
import { App } from 'supertest/types';
import { Client } from 'pg';
import { MAX_JSON_DEPTH } from 'src/common/request-body';
import { newWorld, World } from 'test/support/auth-fixtures';
import { createTestApp, TestApp } from 'test/support/test-app';

/** `[[[…"x"…]]]`, `depth` levels of arrays. */
const nested = (depth: number) => `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;

// Hostile input found by trying the service (issue 16): each answer is a clear 4xx with the
// request id, nothing of the body is echoed, and nothing is written.
describe('hostile input', () => {
  let t: TestApp;
  let http: App;
  let w: World;
  let owner: Client;

  const counts = async () => {
    const { rows } = await owner.query<{ records: number; entries: number }>(
      `SELECT (SELECT count(*)::int FROM records) AS records, (SELECT count(*)::int FROM log_entries) AS entries`,
    );
    return rows[0];
  };

  beforeAll(async () => {
    t = await createTestApp({ env: { BODY_LIMIT: '64kb' } });
    http = t.app.getHttpServer();
    w = await newWorld(t);
    owner = new Client({ connectionString: t.database.url });
    await owner.connect();
  });
  afterAll(async () => {
    await owner.end();
    await t.close();
  });

  const post = (path: string, body: string | Buffer, type = 'application/json', key?: string) => {
    // Bytes as given: superagent would serialise a Buffer as JSON of its bytes.
    let req = request(http)
      .post(path)
      .set('Content-Type', type)
      .serialize((b: unknown) => b as string);
    if (key) req = req.set('Authorization', `Bearer ${key}`);
    return req.send(body);
  };

  it.each(['/v1/auth/sign-in', '/v1/generations', '/v1/records', '/v1/reports'])(
    'JSON nested 1,319 levels deep is a 400 that says so, not a 500 (%s)',
    async (path) => {
      const before = await counts();
      const res = await post(path, `{"prompt":${nested(1319)}}`);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(
        `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`,
      );
      expect(res.body.error.requestId).toEqual(expect.any(String));
      expect(await counts()).toEqual(before);
    },
  );

  it('JSON at the nesting limit is parsed (and refused by validation), one level more is not', async () => {
    const key = w.keys.generate.key;
    const at = await post(
      '/v1/generations',
      `{"prompt":${nested(MAX_JSON_DEPTH - 1)}}`,
      undefined,
      key,
    );
    expect(at.status).toBe(422);
    const over = await post(
      '/v1/generations',
      `{"prompt":${nested(MAX_JSON_DEPTH)}}`,
      undefined,
      key,
    );
    expect(over.status).toBe(400);
    // Brackets inside strings are text, not nesting.
    const text = await post(
      '/v1/generations',
      JSON.stringify({ prompt: `The list ${'['.repeat(80)}`, maxTokens: 1 }),
      undefined,
      key,
    );
    expect(text.status).toBe(201);
  });

  it('a prompt with bytes that are not UTF-8 is refused with 400, never repaired and committed', async () => {
    const before = await counts();
    const body = Buffer.concat([
      Buffer.from('{"prompt":"The patient '),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(' was discharged","maxTokens":2}'),
    ]);
    const res = await post('/v1/generations', body, 'application/json', w.keys.generate.key);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'malformed_request',
      message: 'the request body is not valid UTF-8',
    });
    expect(res.body.error.requestId).toEqual(expect.any(String));
    expect(await counts()).toEqual(before);
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'a %s member is refused like any field the request does not take',
    async (name) => {
      const before = await counts();
      const res = await post(
        '/v1/generations',
        `{"prompt":"The","maxTokens":2,"${name}":{"isAdmin":true}}`,
        'application/json',
        w.keys.generate.key,
      );
      expect(res.status).toBe(422);
      expect(res.body.error.fields).toEqual([
        { field: name, problems: ['is not a field this request takes'] },
      ]);
      expect(await counts()).toEqual(before);
    },
  );

  it('a body of another media type is a 415 with the request id', async () => {
    const res = await post('/v1/generations', 'prompt=The', 'text/plain', w.keys.generate.key);
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
    expect(res.body.error.message).toMatch(/application\/json.*text\/plain/);
    expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
  });

  it('unreadable JSON is a 400 that quotes none of the body, with the request id', async () => {
    const res = await post('/v1/auth/sign-in', '{"password":"SECRET-4711", oops}');
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('SECRET-4711');
    expect(res.text).not.toContain('oops');
    expect(res.body.error.message).toBe('the request body is not valid JSON');
    expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
  });

  it('a body over the limit is a 413 with the request id', async () => {
    const res = await post('/v1/auth/sign-in', JSON.stringify({ password: 'x'.repeat(70_000) }));
    expect(res.status).toBe(413);
    expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
  });

  it('the Authorization scheme is case-insensitive (RFC 9110), the key is not', async () => {
    const key = w.keys['records:read'].key;
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await request(http)
        .get('/v1/auth/session')
        .set('Authorization', `${scheme} ${key}`);
      expect([scheme, res.status]).toEqual([scheme, 200]);
    }
    const wrong = await request(http)
      .get('/v1/auth/session')
      .set('Authorization', `Bearer ${key.toUpperCase()}`);
    expect(wrong.status).toBe(401);
  });
});
