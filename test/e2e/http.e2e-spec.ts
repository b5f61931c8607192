import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { App } from 'supertest/types';
import { JobsService } from 'src/jobs/jobs.service';
import { createTestApp, TestApp } from 'test/support/test-app';
import { TestJobsModule } from 'test/support/test-jobs';
import { TestRoutesModule } from 'test/support/test-routes';
import { waitFor } from 'test/support/wait';

describe('HTTP API foundation', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp({
      imports: [TestRoutesModule, TestJobsModule],
      env: { BODY_LIMIT: '2kb' },
    });
    http = t.app.getHttpServer();
  });
  afterAll(() => t.close());

  describe('probes', () => {
    it('GET /health answers while the process is alive', async () => {
      const res = await request(http).get('/health').expect(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('GET /ready checks the database and the queue backend for real', async () => {
      const res = await request(http).get('/ready').expect(200);
      expect(res.body.status).toBe('ok');
      expect(res.body.details.database.status).toBe('up');
      expect(res.body.details.queue).toMatchObject({
        status: 'up',
        backend: t.config.REDIS_URL ? 'redis' : 'postgres',
      });
      // The model the service loaded, pinned by the SHA-256 of its manifest.
      const manifest = readFileSync(
        join(
          t.config.MODEL_STORE_DIR,
          t.config.MODEL_NAME,
          t.config.MODEL_VERSION,
          'manifest.json',
        ),
      );
      expect(res.body.details.model).toEqual({
        status: 'up',
        name: t.config.MODEL_NAME,
        version: t.config.MODEL_VERSION,
        manifestSha256: createHash('sha256').update(manifest).digest('hex'),
      });
    });
  });

  describe('OpenAPI', () => {
    it('serves the JSON document generated from controllers and DTOs', async () => {
      const res = await request(http).get('/docs-json').expect(200);
      expect(res.body.openapi).toMatch(/^3\./);
      expect(Object.keys(res.body.paths)).toEqual(
        expect.arrayContaining(['/health', '/ready', '/metrics']),
      );
    });

    it('serves the interactive page', async () => {
      const res = await request(http).get('/docs').expect(200);
      expect(res.text).toContain('swagger');
    });
  });

  describe('metrics', () => {
    it('exposes latency by matched route and status, and job counts by kind and status', async () => {
      await request(http).get('/test/missing').expect(404);
      const job = await t.app.get(JobsService).enqueue('test.echo', { value: 1 });
      await waitFor(
        async () =>
          (await t.app.get(JobsService).get(job.id)).status === 'succeeded' ? true : undefined,
        'job',
      );
      const res = await request(http).get('/metrics').expect(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.text).toMatch(
        /http_request_duration_seconds_count\{method="GET",route="\/test\/missing",status="404"\} 1/,
      );
      expect(res.text).toMatch(/audit_jobs\{kind="test.echo",status="succeeded"\} 1/);
      // Route labels are patterns, never raw URLs.
      await request(http).get('/no/such/path/42').expect(404);
      const after = await request(http).get('/metrics');
      expect(after.text).not.toContain('/no/such/path/42');
      expect(after.text).toMatch(/route="unmatched",status="404"/);
    });
  });

  describe('errors', () => {
    it('names every bad field in a 422 and rejects unknown fields', async () => {
      const res = await request(http)
        .post('/test/echo')
        .send({ name: '', count: -1, nested: { code: 7 }, extra: true })
        .expect(422);
      expect(res.body.error.code).toBe('validation_failed');
      const fields = (res.body.error.fields as { field: string }[]).map((f) => f.field).sort();
      expect(fields).toEqual(['count', 'extra', 'name', 'nested.code']);
    });

    it('accepts a valid body', async () => {
      const res = await request(http).post('/test/echo').send({ name: 'ok', count: 2 }).expect(201);
      expect(res.body).toEqual({ name: 'ok', count: 2 });
    });

    it('answers unreadable JSON with 400', async () => {
      const res = await request(http)
        .post('/test/echo')
        .set('content-type', 'application/json')
        .send('{"name": "unterminated')
        .expect(400);
      expect(res.body.error.code).toBe('malformed_request');
    });

    it('answers a body over the limit with 413', async () => {
      const res = await request(http)
        .post('/test/echo')
        .send({ name: 'x'.repeat(4096), count: 1 })
        .expect(413);
      expect(res.body.error.code).toBe('payload_too_large');
    });

    it('maps domain errors by category', async () => {
      const res = await request(http).get('/test/missing').expect(404);
      expect(res.body.error).toMatchObject({
        code: 'record_not_found',
        message: 'record r-123 does not exist',
      });
    });

    it('answers unknown routes with a JSON 404', async () => {
      const res = await request(http).get('/nowhere').expect(404);
      expect(res.body.error.code).toBe('not_found');
    });

    it('gives every 500 an error id that is also in the log, without internals in the body', async () => {
      const res = await request(http).get('/test/boom').expect(500);
      const { errorId, message } = res.body.error as { errorId: string; message: string };
      expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
      expect(message).toBe('internal error');
      expect(JSON.stringify(res.body)).not.toContain('internal detail');
      const logged = t.logLines().find((l) => l.errorId === errorId);
      expect(logged).toBeDefined();
      expect(JSON.stringify(logged)).toContain('internal detail that must not reach the client');
    });
  });

  describe('headers and logs', () => {
    it('marks every API answer, errors included, as not to be stored by any cache', async () => {
      for (const res of [
        await request(http).get('/health'),
        await request(http).get('/v1/records'),
        await request(http)
          .post('/v1/auth/sign-in')
          .set('Content-Type', 'application/json')
          .send('{'),
      ]) {
        expect({ status: res.status, cache: res.headers['cache-control'] }).toEqual({
          status: res.status,
          cache: 'no-store',
        });
      }
    });

    it('sets security headers and hides the framework', async () => {
      const res = await request(http).get('/health');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    it('echoes a sane caller request id and puts it on every log line of the request', async () => {
      const res = await request(http).get('/test/boom').set('x-request-id', 'trace-abc-123');
      expect(res.headers['x-request-id']).toBe('trace-abc-123');
      const lines = t
        .logText()
        .split('\n')
        .filter((l) => l.includes('trace-abc-123'));
      // The error line logged inside the request and pino-http's completion line.
      expect(lines.length).toBeGreaterThanOrEqual(2);
      const errorLine = t.logLines().find((l) => l.reqId === 'trace-abc-123' && l.errorId);
      expect(errorLine).toBeDefined();
    });

    it('replaces an unsafe request id with a generated one', async () => {
      const res = await request(http).get('/health').set('x-request-id', 'bad id\twith spaces');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('never logs credentials, cookies or request bodies', async () => {
      await request(http)
        .post('/test/echo')
        .set('authorization', 'Bearer sk_live_SUPERSECRET_123')
        .set('cookie', 'session=COOKIE_SECRET_456')
        .send({ name: 'PATIENT_NAME_789', count: 1 })
        .expect(201);
      const text = t.logText();
      expect(text).toContain('/test/echo');
      expect(text).not.toContain('SUPERSECRET');
      expect(text).not.toContain('COOKIE_SECRET');
      expect(text).not.toContain('PATIENT_NAME');
    });
  });
});
