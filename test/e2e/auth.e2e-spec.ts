import request from 'supertest';
import { Client } from 'pg';
import { ApplicationsService } from 'src/applications/applications.service';
import { ProvisioningService } from 'src/provisioning/provisioning.service';
import { UsersService } from 'src/users/users.service';
import { activate, call, newWorld, signIn, unique, World } from 'test/support/auth-fixtures';
import { createTestApp, TestApp } from 'test/support/test-app';
import { waitFor } from 'test/support/wait';

const operator = { userId: null };
const future = () => new Date(Date.now() + 86_400_000).toISOString();
const code = (res: request.Response) => (res.body as { error?: { code: string } }).error?.code;

describe('authentication and access, request by request', () => {
  let t: TestApp;
  let w: World;
  let owner: Client;
  const secrets: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({
      runWorkers: false,
      env: { SIGN_IN_RATE_PER_MINUTE: '10000', SIGN_IN_LOCKOUT_THRESHOLD: '3' },
    });
    w = await newWorld(t);
    secrets.push(...w.secrets);
    owner = new Client({ connectionString: t.database.url });
    await owner.connect();
  });
  afterAll(async () => {
    await owner.end();
    await t.close();
  });

  it('refuses a revoked key on the very next request', async () => {
    const made = await t.app
      .get(ApplicationsService)
      .issueKey(w.tenantId, w.applicationId, { scopes: ['reports'] }, operator);
    secrets.push(made.key);
    const key = { key: made.key };
    expect((await call(t, 'get', '/v1/auth/session', key)).status).toBe(200);
    const revoked = await call(t, 'post', `/v1/api-keys/${made.id}/revoke`, w.people.admin);
    expect(revoked.status).toBe(200);
    expect((revoked.body as { status: string }).status).toBe('revoked');
    const next = await call(t, 'get', '/v1/auth/session', key);
    expect([next.status, code(next)]).toEqual([401, 'invalid_api_key']);
    expect((next.body as { error: { message: string } }).error.message).toMatch(/revoked/);
  });

  it('refuses an expired key, a malformed header and a key with one character changed', async () => {
    const made = await t.app
      .get(ApplicationsService)
      .issueKey(
        w.tenantId,
        w.applicationId,
        { scopes: ['reports'], expiresAt: new Date(Date.now() + 1500).toISOString() },
        operator,
      );
    secrets.push(made.key);
    expect((await call(t, 'get', '/v1/auth/session', { key: made.key })).status).toBe(200);
    // Nobody acts: the key simply reaches its expiry.
    const expired = await waitFor(
      async () => {
        const res = await call(t, 'get', '/v1/auth/session', { key: made.key });
        return res.status === 401 ? res : undefined;
      },
      'the key to expire',
      5000,
    );
    expect((expired.body as { error: { message: string } }).error.message).toMatch(/expired/);
    const tampered = made.key.slice(0, -1) + (made.key.endsWith('A') ? 'B' : 'A');
    expect(code(await call(t, 'get', '/v1/auth/session', { key: tampered }))).toBe(
      'invalid_api_key',
    );
    const basic = await request(t.app.getHttpServer())
      .get('/v1/auth/session')
      .set('Authorization', `Basic ${Buffer.from('a:b').toString('base64')}`);
    expect([basic.status, code(basic)]).toEqual([401, 'invalid_api_key']);
  });

  it('records last use of a key', async () => {
    const before = await owner.query<{ last_used_at: Date | null }>(
      'SELECT last_used_at FROM api_keys WHERE id = $1',
      [w.keys.generate.id],
    );
    await call(t, 'get', '/v1/auth/session', { key: w.keys.generate.key });
    const after = await owner.query<{ last_used_at: Date | null }>(
      'SELECT last_used_at FROM api_keys WHERE id = $1',
      [w.keys.generate.id],
    );
    expect(after.rows[0].last_used_at).not.toBeNull();
    expect(after.rows[0].last_used_at?.getTime()).toBeGreaterThanOrEqual(
      before.rows[0].last_used_at?.getTime() ?? 0,
    );
  });

  it("ends an auditor's access at the grant's expiry, with nobody acting", async () => {
    const users = t.app.get(UsersService);
    const made = await users.createUser(
      w.tenantId,
      { email: `${unique('aud')}@example.org`, role: 'auditor' },
      operator,
    );
    secrets.push(made.oneTimePassword);
    await users.grantAuditor(
      w.tenantId,
      { userId: made.user.id, validUntil: new Date(Date.now() + 60_000).toISOString() },
      operator,
    );
    const auditor = await activate(
      t,
      w.slug,
      { userId: made.user.id, email: made.user.email, role: 'auditor' },
      made.oneTimePassword,
    );
    secrets.push(auditor.password, auditor.csrf);
    expect((await call(t, 'get', '/v1/tenant', auditor)).status).toBe(200);
    // Time passes: move the grant's end into the past directly (as the clock would).
    await owner.query(
      `UPDATE auditor_grants SET valid_from = now() - interval '2 days', valid_until = now() - interval '1 second' WHERE user_id = $1`,
      [made.user.id],
    );
    const next = await call(t, 'get', '/v1/tenant', auditor);
    expect([next.status, code(next)]).toEqual([403, 'auditor_access_expired']);
    const again = await signIn(t, w.slug, auditor.email, auditor.password);
    expect([again.status, code(again)]).toEqual([403, 'auditor_access_expired']);
  });

  it('ends access on the next request when an admin revokes a grant', async () => {
    const auditor = w.people.auditor;
    expect((await call(t, 'get', '/v1/auth-events', auditor)).status).toBe(200);
    const grants = (await call(t, 'get', '/v1/auditor-grants', w.people.admin)).body as {
      id: string;
      userId: string;
      status: string;
    }[];
    const grant = grants.find((g) => g.userId === auditor.userId && g.status === 'active');
    expect(grant).toBeDefined();
    expect(
      (await call(t, 'post', `/v1/auditor-grants/${grant?.id}/revoke`, w.people.admin)).status,
    ).toBe(200);
    expect(code(await call(t, 'get', '/v1/auth-events', auditor))).toBe('auditor_access_expired');
  });

  it('gives the same answer for unknown organisation, unknown email and wrong password', async () => {
    const admin = w.people.admin;
    const answers = await Promise.all([
      signIn(t, 'no-such-org', admin.email, admin.password),
      signIn(t, w.slug, 'nobody@example.org', admin.password),
      signIn(t, w.slug, admin.email, 'wrong password, long enough'),
    ]);
    const shapes = answers.map((r) => [
      r.status,
      code(r),
      (r.body as { error: { message: string } }).error.message,
    ]);
    expect(new Set(shapes.map((s) => JSON.stringify(s))).size).toBe(1);
    expect(shapes[0].slice(0, 2)).toEqual([401, 'invalid_credentials']);
  });

  it('locks an account after repeated failures, even against the right password, and records it', async () => {
    const users = t.app.get(UsersService);
    const made = await users.createUser(
      w.tenantId,
      { email: `${unique('lock')}@example.org`, role: 'compliance_officer' },
      operator,
    );
    secrets.push(made.oneTimePassword);
    for (let i = 0; i < 3; i++) {
      expect((await signIn(t, w.slug, made.user.email, 'wrong password, long enough')).status).toBe(
        401,
      );
    }
    const right = await signIn(t, w.slug, made.user.email, made.oneTimePassword);
    expect([right.status, code(right)]).toEqual([401, 'invalid_credentials']);
    const events = (await call(t, 'get', '/v1/auth-events?limit=50', w.people.admin)).body as {
      events: { type: string; subjectId: string | null; details: Record<string, unknown> }[];
    };
    const mine = events.events.filter((e) => e.subjectId === made.user.id);
    expect(mine.map((e) => e.type)).toEqual([
      'sign_in.failed',
      'sign_in.locked_out',
      'sign_in.failed',
      'sign_in.failed',
      'sign_in.failed',
      'user.created',
    ]);
    expect(mine[0].details.reason).toBe('locked');
    const listed = (await call(t, 'get', `/v1/users/${made.user.id}`, w.people.admin)).body as {
      lockedUntil: string | null;
    };
    expect(listed.lockedUntil).not.toBeNull();
  });

  it('holds a new user to changing the one-time password first', async () => {
    const res = await call(t, 'post', '/v1/users', w.people.admin, {
      email: `${unique('new')}@example.org`,
      role: 'admin',
    });
    expect(res.status).toBe(201);
    const created = res.body as { user: { id: string; email: string }; oneTimePassword: string };
    secrets.push(created.oneTimePassword);
    const first = await signIn(t, w.slug, created.user.email, created.oneTimePassword);
    expect((first.body as { passwordChangeRequired: boolean }).passwordChangeRequired).toBe(true);
    const cookie = (first.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    const csrf = (first.body as { csrfToken: string }).csrfToken;
    secrets.push(cookie.split('=')[1], csrf);
    const person = {
      userId: created.user.id,
      email: created.user.email,
      role: 'admin' as const,
      password: created.oneTimePassword,
      cookie,
      csrf,
    };
    expect(code(await call(t, 'get', '/v1/users', person))).toBe('password_change_required');
    const weak = await call(t, 'post', '/v1/auth/password', person, {
      currentPassword: created.oneTimePassword,
      newPassword: 'short',
    });
    expect([weak.status, code(weak)]).toEqual([422, 'password_rejected']);
    const good = `${unique('a long own passphrase')}`;
    secrets.push(good);
    expect(
      (
        await call(t, 'post', '/v1/auth/password', person, {
          currentPassword: created.oneTimePassword,
          newPassword: good,
        })
      ).status,
    ).toBe(204);
    expect((await call(t, 'get', '/v1/users', person)).status).toBe(200);
  });

  it('needs the CSRF token on state-changing session requests, and not on reads', async () => {
    const admin = w.people.admin;
    const body = { name: unique('csrf-app'), scopes: ['generate'] };
    const server = t.app.getHttpServer();
    const none = await request(server)
      .post('/v1/applications')
      .set('Cookie', admin.cookie)
      .send(body);
    expect([none.status, code(none)]).toEqual([403, 'csrf_token_invalid']);
    const wrong = await request(server)
      .post('/v1/applications')
      .set('Cookie', admin.cookie)
      .set('x-csrf-token', 'x'.repeat(43))
      .send(body);
    expect([wrong.status, code(wrong)]).toEqual([403, 'csrf_token_invalid']);
    expect((await request(server).get('/v1/applications').set('Cookie', admin.cookie)).status).toBe(
      200,
    );
    // Nothing was written by the refused requests.
    const apps = (await call(t, 'get', '/v1/applications', admin)).body as { name: string }[];
    expect(apps.map((a) => a.name)).not.toContain(body.name);
  });

  it('sets an HttpOnly, SameSite=Strict cookie, Secure behind a TLS-terminating proxy', async () => {
    const admin = w.people.admin;
    const plain = await signIn(t, w.slug, admin.email, admin.password);
    const cookie = (plain.headers['set-cookie'] as unknown as string[])[0];
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/);
    const tls = await request(t.app.getHttpServer())
      .post('/v1/auth/sign-in')
      .set('X-Forwarded-Proto', 'https')
      .send({ organisation: w.slug, email: admin.email, password: admin.password });
    expect((tls.headers['set-cookie'] as unknown as string[])[0]).toMatch(/; Secure/);
    for (const r of [plain, tls])
      secrets.push(
        (r.headers['set-cookie'] as unknown as string[])[0].split(';')[0].split('=')[1],
        (r.body as { csrfToken: string }).csrfToken,
      );
  });

  it('ends a session at sign-out and when the user is disabled', async () => {
    const users = t.app.get(UsersService);
    const made = await users.createUser(
      w.tenantId,
      { email: `${unique('dis')}@example.org`, role: 'compliance_officer' },
      operator,
    );
    secrets.push(made.oneTimePassword);
    const person = await activate(
      t,
      w.slug,
      { userId: made.user.id, email: made.user.email, role: 'compliance_officer' },
      made.oneTimePassword,
    );
    secrets.push(person.password, person.csrf, person.cookie.split('=')[1]);
    expect((await call(t, 'get', '/v1/tenant', person)).status).toBe(200);
    expect(
      (await call(t, 'post', `/v1/users/${made.user.id}/disable`, w.people.admin)).status,
    ).toBe(200);
    const next = await call(t, 'get', '/v1/tenant', person);
    expect([next.status, code(next)]).toEqual([401, 'session_ended']);
    expect(code(await signIn(t, w.slug, person.email, person.password))).toBe(
      'invalid_credentials',
    );
  });

  it('sends strict security headers', async () => {
    const res = await call(t, 'get', '/health');
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('rejects bad input with 4xx naming the field, and writes nothing', async () => {
    const before = await owner.query<{ n: number }>('SELECT count(*)::int AS n FROM applications');
    const bad = await call(t, 'post', '/v1/applications', w.people.admin, {
      name: '',
      scopes: ['launch-missiles'],
    });
    expect(bad.status).toBe(422);
    expect(
      (bad.body as { error: { fields: { field: string }[] } }).error.fields
        .map((f) => f.field)
        .sort(),
    ).toEqual(['name', 'scopes']);
    const past = await call(t, 'post', `/v1/applications/${w.applicationId}/keys`, w.people.admin, {
      scopes: ['generate'],
      expiresAt: '2001-01-01T00:00:00Z',
    });
    expect([past.status, code(past)]).toEqual([422, 'validation_failed']);
    expect(code(await call(t, 'get', '/v1/users/not-a-uuid', w.people.admin))).toBe('malformed_id');
    const after = await owner.query<{ n: number }>('SELECT count(*)::int AS n FROM applications');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('ends a session after idling too long, and at its absolute end', async () => {
    const admin = w.people.admin;
    const fresh = async () => {
      const res = await signIn(t, w.slug, admin.email, admin.password);
      const cookie = (res.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
      secrets.push(cookie.split('=')[1], (res.body as { csrfToken: string }).csrfToken);
      return { ...admin, cookie, csrf: (res.body as { csrfToken: string }).csrfToken };
    };
    const idle = await fresh();
    expect((await call(t, 'get', '/v1/tenant', idle)).status).toBe(200);
    await owner.query(
      `UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE revoked_at IS NULL AND user_id = $1 AND created_at = (SELECT max(created_at) FROM sessions WHERE user_id = $1)`,
      [admin.userId],
    );
    const idled = await call(t, 'get', '/v1/tenant', idle);
    expect([idled.status, (idled.body as { error: { message: string } }).error.message]).toEqual([
      401,
      'session ended: idle for too long; sign in again',
    ]);
    const old = await fresh();
    await owner.query(
      `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND created_at = (SELECT max(created_at) FROM sessions WHERE user_id = $1)`,
      [admin.userId],
    );
    const ended = await call(t, 'get', '/v1/tenant', old);
    expect((ended.body as { error: { message: string } }).error.message).toMatch(/expired/);
    const out = await fresh();
    expect((await call(t, 'post', '/v1/auth/sign-out', out)).status).toBe(204);
    expect(code(await call(t, 'get', '/v1/tenant', out))).toBe('session_ended');
  });

  it('checks no more than the threshold of parallel guesses, and a right one cannot lift the lock', async () => {
    const users = t.app.get(UsersService);
    const made = await users.createUser(
      w.tenantId,
      { email: `${unique('burst')}@example.org`, role: 'compliance_officer' },
      operator,
    );
    secrets.push(made.oneTimePassword);
    const attempts = [
      ...Array.from({ length: 11 }, () => 'wrong password, long enough'),
      made.oneTimePassword,
    ];
    const answers = await Promise.all(attempts.map((p) => signIn(t, w.slug, made.user.email, p)));
    const checked = await owner.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM auth_events
        WHERE subject_id = $1 AND type = 'sign_in.failed' AND details->>'reason' = 'wrong_password'`,
      [made.user.id],
    );
    // Threshold 3: at most 3 attempts reach the password check; if the right one is among them
    // it signs in, and then at most 3 wrong ones were checked in all.
    const succeeded = answers.filter((r) => r.status === 200).length;
    expect(checked.rows[0].n + succeeded).toBeLessThanOrEqual(3);
    expect(answers.filter((r) => r.status === 401).length).toBe(12 - succeeded);
  });

  it('counts wrong current passwords at a password change toward the lockout', async () => {
    const users = t.app.get(UsersService);
    const made = await users.createUser(
      w.tenantId,
      { email: `${unique('chg')}@example.org`, role: 'compliance_officer' },
      operator,
    );
    secrets.push(made.oneTimePassword);
    const person = await activate(
      t,
      w.slug,
      { userId: made.user.id, email: made.user.email, role: 'compliance_officer' },
      made.oneTimePassword,
    );
    secrets.push(person.password, person.csrf, person.cookie.split('=')[1]);
    for (let i = 0; i < 3; i++) {
      const res = await call(t, 'post', '/v1/auth/password', person, {
        currentPassword: 'guess number ' + i,
        newPassword: 'whatever it is, long',
      });
      expect(code(res)).toBe('wrong_password');
    }
    const locked = await signIn(t, w.slug, person.email, person.password);
    expect(code(locked)).toBe('invalid_credentials');
  });

  it('takes sign-in as JSON only (no cross-site form posts)', async () => {
    const res = await request(t.app.getHttpServer()).post('/v1/auth/sign-in').type('form').send({
      organisation: w.slug,
      email: w.people.admin.email,
      password: w.people.admin.password,
    });
    expect([res.status, code(res)]).toEqual([400, 'json_body_required']);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('answers races and malformed values with 4xx, never 500', async () => {
    const admin = w.people.admin;
    const name = unique('race');
    const statuses = (
      await Promise.all(
        Array.from({ length: 4 }, () =>
          call(t, 'post', '/v1/applications', admin, { name, scopes: ['generate'] }),
        ),
      )
    ).map((r) => r.status);
    expect(statuses.sort()).toEqual([201, 409, 409, 409]);
    for (const key of await Promise.all(
      [
        { userId: 'not-a-uuid', email: 'x' },
        { userId: null, email: 5 },
        { validUntil: future() },
        { userId: w.spare.auditorId, email: 'a@b.example', validUntil: future() },
      ].map((body) => call(t, 'post', '/v1/auditor-grants', admin, body)),
    )) {
      expect([key.status, code(key)]).toEqual([422, 'validation_failed']);
    }
    const before = await call(t, 'get', '/v1/auth-events?before=99999999999999999999999', admin);
    expect([before.status, code(before)]).toEqual([422, 'validation_failed']);
  });

  it('keeps every secret out of the logs', () => {
    const log = t.logText();
    expect(log).toContain('/v1/auth/sign-in');
    for (const secret of secrets) expect(log).not.toContain(secret);
  });
});

describe('rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      runWorkers: false,
      env: { SIGN_IN_RATE_PER_MINUTE: '3', API_KEY_RATE_PER_MINUTE: '3' },
    });
  });
  afterAll(() => t.close());

  it('limits sign-in attempts per client and API requests per key, with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await signIn(t, 'any-org', 'a@example.org', 'whatever long')).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const made = await t.app
      .get(ProvisioningService)
      .create({ name: unique('Rate'), adminEmail: 'admin@example.org' });
    const { key } = await t.app
      .get(ApplicationsService)
      .createApplication(made.tenant.id, { name: 'app', scopes: ['reports'] }, operator);
    const keyed: number[] = [];
    for (let i = 0; i < 4; i++)
      keyed.push((await call(t, 'get', '/v1/auth/session', { key: key.key })).status);
    expect(keyed).toEqual([200, 200, 200, 429]);
    const limited = await call(t, 'get', '/v1/auth/session', { key: key.key });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});
