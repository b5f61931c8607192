import request from 'supertest';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { Caller, newWorld, Person, unique, World } from 'test/support/auth-fixtures';
import { Answer, OpenApiDoc, ResponseValidator } from 'test/support/openapi-validator';
import { submittedPayload } from 'test/support/submitted-payload';
import { createTestApp, TestApp } from 'test/support/test-app';
import { waitFor } from 'test/support/wait';

/**
 * The documentation of success answers cannot drift: the quick start (a key generates, a record
 * is read, proved and reported on) and the administration a tenant's admin does, each answer
 * checked against the schema, media type and headers its operation documents in /docs-json. A
 * success body is closed in the document, so a member the service adds or drops without its
 * DTO fails here. Every operation of the document must be among those checked.
 */

type Method = 'GET' | 'POST';

const bytes = (res: request.Response, callback: (e: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
};

/** The body as the document describes it: JSON parsed, text as text, anything else as bytes. */
function decoded(res: request.Response): unknown {
  const raw = res.body as Buffer;
  const type = String(res.headers['content-type'] ?? '');
  if (raw.length === 0) return undefined;
  if (/[/+]json\b/.test(type)) return JSON.parse(raw.toString('utf8')) as unknown;
  if (/^text\/|pem-file/.test(type)) return raw.toString('utf8');
  return raw;
}

describe('every success answer matches its operation in the OpenAPI document', () => {
  let t: TestApp;
  let w: World;
  let v: ResponseValidator;
  const failures: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    w = await newWorld(t);
    const doc = (await request(t.app.getHttpServer()).get('/docs-json')).body as OpenApiDoc;
    v = new ResponseValidator(doc);
  }, 120_000);
  afterAll(() => t?.close());

  /**
   * Sends a request (`path` with its parameters filled), checks the answer against `template`'s
   * operation, and returns the answer. A problem is collected, not thrown, so one run lists all.
   */
  async function send(
    method: Method,
    template: string,
    caller: Caller,
    options: {
      path?: string;
      body?: object;
      status?: number;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Answer> {
    const server = request(t.app.getHttpServer());
    const path = options.path ?? template;
    let req = (method === 'GET' ? server.get(path) : server.post(path)).buffer(true).parse(bytes);
    if (caller && 'key' in caller) req = req.set('Authorization', `Bearer ${caller.key}`);
    else if (caller) req = req.set('Cookie', caller.cookie).set('x-csrf-token', caller.csrf);
    for (const [name, value] of Object.entries(options.headers ?? {})) req = req.set(name, value);
    const res = await (options.body ? req.send(options.body) : req);
    const answer: Answer = { status: res.status, headers: res.headers, body: decoded(res) };
    const expected = options.status ?? (method === 'POST' ? 201 : 200);
    if (res.status !== expected) {
      failures.push(`${method} ${template}: ${res.status}, not ${expected}: ${String(res.body)}`);
    }
    for (const problem of v.problems(method, template, answer)) {
      failures.push(`${method} ${template} ${res.status}: ${problem}`);
    }
    return answer;
  }
  const json = <T>(answer: Answer) => answer.body as T;

  it('the validator itself refuses a missing member and an unknown one', async () => {
    const answer = await send('GET', '/v1/tenant', w.people.admin);
    const tenant = json<Record<string, unknown>>(answer);
    const missing = { ...tenant };
    delete missing.slug;
    const problems = (body: unknown) => v.problems('GET', '/v1/tenant', { ...answer, body });
    expect(problems(tenant)).toEqual([]);
    expect(problems(missing).join()).toContain("must have required property 'slug'");
    expect(problems({ ...tenant, plan: 'gold' }).join()).toContain(
      'must NOT have additional properties',
    );
    expect(problems({ ...tenant, createdAt: null }).join()).toContain('must be string');
  });

  it('answers as documented along the quick start, the administration and the reports', async () => {
    const { admin } = w.people;
    const key = (scope: keyof World['keys']) => ({ key: w.keys[scope].key });

    // Anyone: operations, keys and schemas.
    await send('GET', '/health', undefined);
    await send('GET', '/ready', undefined);
    await send('GET', '/metrics', undefined);
    const jwks = json<{ keys: { kid: string }[] }>(
      await send('GET', '/.well-known/jwks.json', undefined),
    );
    await send('GET', '/v1/keys/{kid}.pem', undefined, {
      path: `/v1/keys/${jwks.keys[0].kid}.pem`,
    });
    await send('GET', '/v1/schemas/record.json', undefined);
    await send('GET', '/v1/schemas/submitted-record.json', undefined);

    // A new person: one-time password, sign-in, their own password, their session.
    const made = json<{ user: { id: string; email: string }; oneTimePassword: string }>(
      await send('POST', '/v1/users', admin, {
        body: { email: `${unique('officer')}@example.org`, role: 'compliance_officer' },
      }),
    );
    const signedIn = await send('POST', '/v1/auth/sign-in', undefined, {
      body: { organisation: w.slug, email: made.user.email, password: made.oneTimePassword },
      status: 200,
    });
    const cookie = String((signedIn.headers['set-cookie'] as string[])[0]).split(';')[0];
    const officer: Person = {
      userId: made.user.id,
      email: made.user.email,
      role: 'compliance_officer',
      password: made.oneTimePassword,
      cookie,
      csrf: json<{ csrfToken: string }>(signedIn).csrfToken,
    };
    await send('POST', '/v1/auth/password', officer, {
      body: { currentPassword: made.oneTimePassword, newPassword: `${unique('pass')} long enough` },
      status: 204,
    });
    await send('GET', '/v1/auth/session', officer);
    const session = json<{ applicationId: string }>(
      await send('GET', '/v1/auth/session', key('generate')),
    );

    // Administration.
    await send('GET', '/v1/tenant', admin);
    await send('GET', '/v1/users', admin);
    await send('GET', '/v1/users/{userId}', admin, { path: `/v1/users/${made.user.id}` });
    const grant = json<{ id: string }>(
      await send('POST', '/v1/auditor-grants', admin, {
        body: {
          userId: w.spare.auditorId,
          validUntil: new Date(Date.now() + 86_400_000).toISOString(),
        },
      }),
    );
    await send('GET', '/v1/auditor-grants', admin);
    await send('POST', '/v1/auditor-grants/{grantId}/revoke', admin, {
      path: `/v1/auditor-grants/${grant.id}/revoke`,
      status: 200,
    });
    const app = json<{ application: { id: string }; key: { id: string } }>(
      await send('POST', '/v1/applications', admin, {
        body: { name: unique('app'), scopes: ['records:read'], expiresAt: '2099-01-01T00:00:00Z' },
      }),
    );
    await send('GET', '/v1/applications', admin);
    const appPath = `/v1/applications/${app.application.id}`;
    await send('POST', '/v1/applications/{applicationId}/keys', admin, {
      path: `${appPath}/keys`,
      body: { scopes: ['reports'] },
    });
    await send('GET', '/v1/applications/{applicationId}/keys', admin, { path: `${appPath}/keys` });
    await send('POST', '/v1/api-keys/{keyId}/revoke', admin, {
      path: `/v1/api-keys/${app.key.id}/revoke`,
      status: 200,
    });

    // The generating application's policy.
    const policyPath = `/v1/applications/${session.applicationId}`;
    await send('POST', '/v1/applications/{applicationId}/policies', officer, {
      path: `${policyPath}/policies`,
      body: { rules: { thresholds: [{ group: 'health', flagAbove: 0.9 }] } },
    });
    await send('GET', '/v1/applications/{applicationId}/policy', admin, {
      path: `${policyPath}/policy`,
    });
    await send('GET', '/v1/applications/{applicationId}/policies', admin, {
      path: `${policyPath}/policies`,
    });

    // The quick start: a generation, its record, its proof, the checkpoints.
    const generated = json<{ recordId: string }>(
      await send('POST', '/v1/generations', key('generate'), {
        body: { prompt: 'The bank approved', maxTokens: 6, context: { caseId: 'CASE-1' } },
        headers: { 'Idempotency-Key': unique('generation') },
      }),
    );
    const recordPath = `/v1/records/${generated.recordId}`;
    await send('GET', '/v1/records/{recordId}', key('records:read'), { path: recordPath });
    await send('POST', '/v1/records/{recordId}/reviews', officer, {
      path: `${recordPath}/reviews`,
      body: { verdict: 'approved' },
    });
    await send('GET', '/v1/records/{recordId}', admin, { path: recordPath });
    await send('GET', '/v1/records', admin, { path: '/v1/records?limit=1' });
    await send('GET', '/v1/records', key('records:read'));
    const result = await t.app
      .get(ModelRuntime)
      .generate('The licence grants', { maxTokens: 6, seed: 2, chunkTokens: 3 });
    const submitted = json<{ recordId: string }>(
      await send('POST', '/v1/records', key('records:submit'), { body: submittedPayload(result) }),
    );
    await send('POST', '/v1/records/{recordId}/erasure', admin, {
      path: `/v1/records/${submitted.recordId}/erasure`,
      body: { reason: 'GDPR Art. 17 request from the data subject' },
    });
    await send('GET', '/v1/records/{recordId}', admin, {
      path: `/v1/records/${submitted.recordId}`,
    });
    await send('GET', '/v1/log/entries/{id}/inclusion-proof', key('records:read'), {
      path: `/v1/log/entries/${generated.recordId}/inclusion-proof`,
    });
    const first = json<{ size: number }>(
      await send('GET', '/v1/log/checkpoint', key('records:read')),
    );
    const issued = json<{ size: number }>(await send('POST', '/v1/log/checkpoints', admin));
    await send('GET', '/v1/log/checkpoints/{size}', key('records:read'), {
      path: `/v1/log/checkpoints/${first.size}`,
    });
    await send('GET', '/v1/log/consistency-proof', key('records:read'), {
      path: `/v1/log/consistency-proof?from=${first.size}&to=${issued.size}`,
    });

    // Whole-log verification, at once and as a job.
    await send('GET', '/v1/log/verification', admin);
    const verification = json<{ id: string }>(
      await send('POST', '/v1/log/verifications', admin, { status: 202 }),
    );
    await send('GET', '/v1/log/verifications', admin);
    await send('GET', '/v1/log/verifications/{verificationId}', admin, {
      path: `/v1/log/verifications/${verification.id}`,
    });

    // A report, built by the worker, and its files.
    const report = json<{ id: string }>(
      await send('POST', '/v1/reports', key('reports'), {
        body: { kind: 'decision-evidence', recordId: generated.recordId },
        status: 202,
      }),
    );
    const reportPath = `/v1/reports/${report.id}`;
    await waitFor(
      async () => {
        const res = await request(t.app.getHttpServer())
          .get(reportPath)
          .set('Authorization', `Bearer ${w.keys.reports.key}`);
        const status = (res.body as { status: string }).status;
        if (status === 'failed') throw new Error(`report failed: ${JSON.stringify(res.body)}`);
        return status === 'succeeded' ? true : undefined;
      },
      'the report to be built',
      120_000,
    );
    await send('GET', '/v1/reports/{reportId}', key('reports'), { path: reportPath });
    await send('GET', '/v1/reports', admin);
    await send('GET', '/v1/reports/{reportId}/pdf', key('reports'), { path: `${reportPath}/pdf` });
    await send('GET', '/v1/reports/{reportId}/evidence', admin, {
      path: `${reportPath}/evidence`,
    });

    // Last: the access trail of all this, a person disabled, a session ended.
    await send('GET', '/v1/auth-events', admin);
    await send('POST', '/v1/users/{userId}/disable', admin, {
      path: `/v1/users/${w.spare.userId}/disable`,
      status: 200,
    });
    await send('POST', '/v1/auth/sign-out', officer, { status: 204 });

    expect(failures).toEqual([]);
    // Answered only with an identity provider running: test/e2e/oidc.e2e-spec.ts checks them.
    const elsewhere = ['GET /v1/auth/oidc/start', 'GET /v1/auth/oidc/callback'];
    expect(v.operations().filter((op) => !v.covered.has(op) && !elsewhere.includes(op))).toEqual(
      [],
    );
  }, 240_000);
});
