import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCOPES } from 'src/access/scopes';
import { KeyRing } from 'src/signing/key-ring.service';
import { ROLES } from 'src/access/roles';
import { call, Caller, newWorld, signInAgain, unique, World } from 'test/support/auth-fixtures';
import { createTestApp, TestApp } from 'test/support/test-app';

// The authorization matrix: ONE table says, for every route, who may call it. Each caller ×
// route cell is then a request whose status (and, for refusals, error code) must be exactly
// what the table implies. A second test proves the table lists every route the app serves.

const CALLERS = [
  'anonymous',
  ...ROLES,
  'expired_auditor',
  ...SCOPES.map((s) => `key:${s}` as const),
] as const;
type CallerName = (typeof CALLERS)[number];

const PEOPLE = [...ROLES] as const;
const KEYS = SCOPES.map((s) => `key:${s}` as const);

interface RouteSpec {
  /** `METHOD /path/:param`, as the OpenAPI document lists it (with :param for {param}). */
  route: string;
  /** Who gets through; everyone else is refused (401 anonymous, 403 otherwise). */
  allowed: readonly CallerName[] | 'everyone';
  /** Status for an allowed caller. */
  ok: number;
  /** Error code an allowed caller gets instead (the route ran, and refused the input). */
  okCode?: string;
  body?: (w: World) => object;
  /** Sign in anew for this cell: the route ends the session. */
  freshSession?: boolean;
  /** What a caller of tenant A meets when the path names tenant B's objects. */
  crossTenant: 'not_found' | 'own_only' | 'self_only' | 'public';
}

const future = () => new Date(Date.now() + 86_400_000).toISOString();
const RECORD_READERS = ['admin', 'compliance_officer', 'auditor', 'key:records:read'] as const;
const REPORT_READERS = ['admin', 'compliance_officer', 'auditor', 'key:reports'] as const;
/** An id no tenant has: record and entry routes answer 404 for it. */
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';

const ROUTES: RouteSpec[] = [
  { route: 'GET /health', allowed: 'everyone', ok: 200, crossTenant: 'public' },
  { route: 'GET /ready', allowed: 'everyone', ok: 200, crossTenant: 'public' },
  { route: 'GET /metrics', allowed: 'everyone', ok: 200, crossTenant: 'public' },
  { route: 'GET /.well-known/jwks.json', allowed: 'everyone', ok: 200, crossTenant: 'public' },
  { route: 'GET /v1/keys/:kid.pem', allowed: 'everyone', ok: 200, crossTenant: 'public' },
  {
    route: 'POST /v1/auth/sign-in',
    allowed: 'everyone',
    ok: 401,
    okCode: 'invalid_credentials',
    body: (w) => ({ organisation: w.slug, email: 'nobody@example.org', password: 'x'.repeat(12) }),
    crossTenant: 'public',
  },
  // Without a query (and with no provider set up here) the start refuses its input; the callback
  // without this browser's flow cookie sends the person back to the sign-in page.
  {
    route: 'GET /v1/auth/oidc/start',
    allowed: 'everyone',
    ok: 422,
    okCode: 'validation_failed',
    crossTenant: 'public',
  },
  { route: 'GET /v1/auth/oidc/callback', allowed: 'everyone', ok: 303, crossTenant: 'public' },
  {
    route: 'GET /v1/auth/session',
    allowed: [...PEOPLE, 'expired_auditor', ...KEYS],
    ok: 200,
    crossTenant: 'self_only',
  },
  {
    route: 'POST /v1/auth/password',
    allowed: [...PEOPLE, 'expired_auditor'],
    ok: 403,
    okCode: 'wrong_password',
    body: () => ({ currentPassword: 'not the password', newPassword: 'a new long passphrase' }),
    crossTenant: 'self_only',
  },
  { route: 'GET /v1/tenant', allowed: PEOPLE, ok: 200, crossTenant: 'own_only' },
  {
    route: 'GET /v1/auth-events',
    allowed: PEOPLE,
    ok: 200,
    crossTenant: 'own_only',
  },
  { route: 'GET /v1/users', allowed: ['admin'], ok: 200, crossTenant: 'own_only' },
  {
    route: 'POST /v1/users',
    allowed: ['admin'],
    ok: 201,
    body: () => ({ email: `${unique('new')}@example.org`, role: 'compliance_officer' }),
    crossTenant: 'own_only',
  },
  { route: 'GET /v1/users/:userId', allowed: ['admin'], ok: 200, crossTenant: 'not_found' },
  {
    route: 'POST /v1/users/:userId/disable',
    allowed: ['admin'],
    ok: 200,
    crossTenant: 'not_found',
  },
  { route: 'GET /v1/auditor-grants', allowed: ['admin'], ok: 200, crossTenant: 'own_only' },
  {
    route: 'POST /v1/auditor-grants',
    allowed: ['admin'],
    ok: 201,
    body: (w) => ({ userId: w.spare.auditorId, validUntil: future() }),
    crossTenant: 'not_found',
  },
  {
    route: 'POST /v1/auditor-grants/:grantId/revoke',
    allowed: ['admin'],
    ok: 200,
    crossTenant: 'not_found',
  },
  { route: 'GET /v1/applications', allowed: ['admin'], ok: 200, crossTenant: 'own_only' },
  {
    route: 'POST /v1/applications',
    allowed: ['admin'],
    ok: 201,
    body: () => ({ name: unique('app'), scopes: ['generate'] }),
    crossTenant: 'own_only',
  },
  {
    route: 'GET /v1/applications/:applicationId/keys',
    allowed: ['admin'],
    ok: 200,
    crossTenant: 'not_found',
  },
  {
    route: 'POST /v1/applications/:applicationId/keys',
    allowed: ['admin'],
    ok: 201,
    body: () => ({ scopes: ['records:read'] }),
    crossTenant: 'not_found',
  },
  {
    route: 'POST /v1/api-keys/:keyId/revoke',
    allowed: ['admin'],
    ok: 200,
    crossTenant: 'not_found',
  },
  {
    route: 'GET /v1/applications/:applicationId/policy',
    allowed: ['admin', 'compliance_officer', 'auditor'],
    ok: 404,
    okCode: 'policy_not_found',
    crossTenant: 'not_found',
  },
  {
    route: 'GET /v1/applications/:applicationId/policies',
    allowed: ['admin', 'compliance_officer', 'auditor'],
    ok: 200,
    crossTenant: 'not_found',
  },
  {
    route: 'POST /v1/applications/:applicationId/policies',
    allowed: ['admin', 'compliance_officer'],
    ok: 422,
    okCode: 'validation_failed',
    body: () => ({ rules: { thresholds: [{ group: 'no-such-group', flagAbove: 0.5 }] } }),
    crossTenant: 'not_found',
  },
  {
    route: 'POST /v1/generations',
    allowed: ['key:generate'],
    ok: 201,
    body: () => ({ prompt: 'The', maxTokens: 2 }),
    crossTenant: 'self_only',
  },
  {
    route: 'POST /v1/records',
    allowed: ['key:records:submit'],
    ok: 422,
    okCode: 'validation_failed',
    body: () => ({ prompt: 'x' }),
    crossTenant: 'self_only',
  },
  { route: 'GET /v1/schemas/record.json', allowed: 'everyone', ok: 200, crossTenant: 'public' },
  {
    route: 'GET /v1/schemas/submitted-record.json',
    allowed: 'everyone',
    ok: 200,
    crossTenant: 'public',
  },
  { route: 'GET /v1/records', allowed: RECORD_READERS, ok: 200, crossTenant: 'own_only' },
  {
    route: 'GET /v1/records/:recordId',
    allowed: RECORD_READERS,
    ok: 404,
    okCode: 'record_not_found',
    crossTenant: 'not_found',
  },
  {
    route: 'POST /v1/records/:recordId/reviews',
    allowed: ['admin', 'compliance_officer'],
    ok: 404,
    okCode: 'record_not_found',
    body: () => ({ verdict: 'approved' }),
    crossTenant: 'not_found',
  },
  {
    route: 'POST /v1/records/:recordId/erasure',
    allowed: ['admin'],
    ok: 404,
    okCode: 'record_not_found',
    body: () => ({ reason: 'matrix test' }),
    crossTenant: 'not_found',
  },
  {
    route: 'GET /v1/log/verification',
    allowed: ['admin', 'compliance_officer', 'auditor'],
    ok: 200,
    crossTenant: 'own_only',
  },
  {
    route: 'POST /v1/log/verifications',
    allowed: ['admin', 'compliance_officer'],
    ok: 202,
    crossTenant: 'self_only',
  },
  {
    route: 'GET /v1/log/verifications',
    allowed: ['admin', 'compliance_officer', 'auditor'],
    ok: 200,
    crossTenant: 'own_only',
  },
  {
    route: 'GET /v1/log/verifications/:verificationId',
    allowed: ['admin', 'compliance_officer', 'auditor'],
    ok: 404,
    okCode: 'log_verification_not_found',
    crossTenant: 'not_found',
  },
  { route: 'GET /v1/log/checkpoint', allowed: RECORD_READERS, ok: 200, crossTenant: 'self_only' },
  {
    route: 'POST /v1/log/checkpoints',
    allowed: ['admin', 'compliance_officer', 'key:records:read'],
    ok: 201,
    crossTenant: 'self_only',
  },
  {
    route: 'GET /v1/log/checkpoints/:size',
    allowed: RECORD_READERS,
    ok: 404,
    okCode: 'checkpoint_not_found',
    crossTenant: 'self_only',
  },
  {
    route: 'GET /v1/log/entries/:id/inclusion-proof',
    allowed: RECORD_READERS,
    ok: 404,
    okCode: 'log_entry_not_found',
    crossTenant: 'not_found',
  },
  {
    route: 'GET /v1/log/consistency-proof',
    allowed: RECORD_READERS,
    ok: 422,
    okCode: 'validation_failed',
    crossTenant: 'self_only',
  },
  {
    route: 'POST /v1/reports',
    allowed: ['admin', 'compliance_officer', 'key:reports'],
    ok: 422,
    okCode: 'validation_failed',
    // No period: refused before anything is written (a real build is reports.e2e-spec's).
    body: () => ({ kind: 'period-audit' }),
    crossTenant: 'self_only',
  },
  { route: 'GET /v1/reports', allowed: REPORT_READERS, ok: 200, crossTenant: 'own_only' },
  ...['', '/pdf', '/evidence'].map((tail): RouteSpec => ({
    route: `GET /v1/reports/:reportId${tail}`,
    allowed: REPORT_READERS,
    ok: 404,
    okCode: 'report_not_found',
    crossTenant: 'not_found',
  })),
  // Last: the expired auditor cannot sign in again, so this ends the session the rows above use.
  {
    route: 'POST /v1/auth/sign-out',
    allowed: [...PEOPLE, 'expired_auditor'],
    ok: 204,
    freshSession: true,
    crossTenant: 'self_only',
  },
];

/** The current signing key's id, for the PEM route. */
let signingKid = '';

function path(route: string, w: World): string {
  return route
    .split(' ')[1]
    .replace(':kid', signingKid)
    .replace(':userId', w.spare.userId)
    .replace(':grantId', w.spare.grantId)
    .replace(':applicationId', w.applicationId)
    .replace(':keyId', w.spare.keyId)
    .replace(':recordId', NO_SUCH_ID)
    .replace(':reportId', NO_SUCH_ID)
    .replace(':verificationId', NO_SUCH_ID)
    .replace(':id', NO_SUCH_ID)
    .replace(':size', '999999');
}

function callerOf(name: CallerName, w: World): Caller {
  if (name === 'anonymous') return undefined;
  if (name.startsWith('key:')) return { key: w.keys[name.slice(4) as (typeof SCOPES)[number]].key };
  return w.people[name as keyof World['people']];
}

/** What the table implies for one cell: status and, where it matters, the error code. */
function expected(spec: RouteSpec, who: CallerName): { status: number; code?: string } {
  const allowed = spec.allowed === 'everyone' || spec.allowed.includes(who);
  if (allowed) return { status: spec.ok, code: spec.okCode };
  if (who === 'anonymous') return { status: 401, code: 'authentication_required' };
  if (who === 'expired_auditor') return { status: 403, code: 'auditor_access_expired' };
  if (who.startsWith('key:')) {
    const forKeys = spec.allowed !== 'everyone' && spec.allowed.some((c) => c.startsWith('key:'));
    return {
      status: 403,
      code: spec.allowed === 'everyone' ? undefined : forKeys ? 'scope_required' : 'people_only',
    };
  }
  return { status: 403, code: 'role_not_allowed' };
}

describe('authorization matrix', () => {
  let t: TestApp;
  let a: World;
  let b: World;

  let keyDir: string;

  beforeAll(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'access-matrix-keys-'));
    t = await createTestApp({
      env: {
        SIGN_IN_RATE_PER_MINUTE: '10000',
        SIGNING_KEY_FILE: join(keyDir, 'signing-keys.json'),
        SIGNING_KEY_PASSPHRASE: 'access matrix signing passphrase',
      },
    });
    signingKid = t.app.get(KeyRing).keys()[0].kid;
    [a, b] = [await newWorld(t), await newWorld(t)];
  });
  afterAll(async () => {
    await t.close();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('lists every route the application serves, and nothing else', async () => {
    const doc = (await call(t, 'get', '/docs-json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const served = Object.entries(doc.paths)
      .flatMap(([p, methods]) =>
        Object.keys(methods).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
      )
      .sort();
    expect(ROUTES.map((r) => r.route).sort()).toEqual(served);
  });

  describe.each(ROUTES)('$route', (spec) => {
    it.each(CALLERS.map((c) => [c]))('as %s', async (who) => {
      let caller = callerOf(who, a);
      // An expired auditor cannot sign in again; their old session is the one to end.
      if (spec.freshSession && caller && !('key' in caller) && who !== 'expired_auditor') {
        caller = await signInAgain(t, a.slug, caller);
      }
      const [method] = spec.route.split(' ');
      const res = await call(
        t,
        method.toLowerCase() as 'get' | 'post',
        path(spec.route, a),
        caller,
        spec.body?.(a),
      );
      const want = expected(spec, who);
      expect({
        status: res.status,
        code: want.code && (res.body as { error?: { code: string } }).error?.code,
      }).toEqual(want);
    });
  });

  describe('cross-tenant: a caller of tenant A never reaches tenant B', () => {
    it.each(ROUTES.map((r) => [r.route, r]))('%s', async (_route, spec) => {
      const [method] = spec.route.split(' ');
      const admin = await signInAgain(t, a.slug, a.people.admin);
      const verb = method.toLowerCase() as 'get' | 'post';
      switch (spec.crossTenant) {
        case 'not_found': {
          // B's ids in the path (or body), A's admin calling: 404, and B's object unchanged.
          const res = await call(t, verb, path(spec.route, b), admin, spec.body?.(b));
          expect(res.status).toBe(404);
          expect((res.body as { error: { code: string } }).error.code).toMatch(/_not_found$/);
          break;
        }
        case 'own_only': {
          const res = await call(t, verb, path(spec.route, a), admin, spec.body?.(a));
          expect(res.status).toBe(spec.ok);
          const text = JSON.stringify(res.body);
          for (const id of [
            b.tenantId,
            b.people.admin.userId,
            b.applicationId,
            b.spare.userId,
            b.spare.grantId,
            b.spare.keyId,
          ]) {
            expect(text).not.toContain(id);
          }
          break;
        }
        case 'self_only': {
          // Nothing in the path names another tenant; the answer is about the caller only.
          const res = await call(t, verb, path(spec.route, a), admin, spec.body?.(a));
          expect(JSON.stringify(res.body)).not.toContain(b.tenantId);
          if (spec.route === 'GET /v1/auth/session') {
            expect((res.body as { tenantId: string }).tenantId).toBe(a.tenantId);
          }
          break;
        }
        case 'public': {
          // The one public route that touches tenant data is sign-in: A's credentials under
          // B's organisation are refused like any wrong password.
          if (spec.route === 'POST /v1/auth/sign-in') {
            const res = await call(t, 'post', '/v1/auth/sign-in', undefined, {
              organisation: b.slug,
              email: a.people.admin.email,
              password: a.people.admin.password,
            });
            expect(res.status).toBe(401);
          } else {
            const res = await call(t, verb, path(spec.route, a));
            expect(JSON.stringify(res.body ?? res.text)).not.toContain(b.tenantId);
          }
          break;
        }
      }
    });
  });

  it("leaves tenant B's objects as they were after all of A's attempts", async () => {
    const admin = await signInAgain(t, b.slug, b.people.admin);
    const user = (await call(t, 'get', `/v1/users/${b.spare.userId}`, admin)).body as {
      disabledAt: string | null;
    };
    expect(user.disabledAt).toBeNull();
    const grants = (await call(t, 'get', '/v1/auditor-grants', admin)).body as {
      id: string;
      status: string;
    }[];
    expect(grants.find((g) => g.id === b.spare.grantId)?.status).toBe('active');
    const keys = (await call(t, 'get', `/v1/applications/${b.applicationId}/keys`, admin)).body as {
      id: string;
      status: string;
    }[];
    expect(keys.find((k) => k.id === b.spare.keyId)?.status).toBe('active');
    expect(keys).toHaveLength(2); // the application's first key and the spare: none added by A
  });

  it('never writes a secret it handed out to the log', () => {
    const log = t.logText();
    expect(log.length).toBeGreaterThan(1000);
    for (const secret of [...a.secrets, ...b.secrets]) expect(log).not.toContain(secret);
  });
});
