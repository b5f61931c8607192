import request from 'supertest';
import { Person, newWorld, World } from 'test/support/auth-fixtures';
import { createTestApp, TestApp } from 'test/support/test-app';

// The portal's authorization matrix, as the API's (access-matrix.e2e-spec.ts) but for pages:
// ONE table says who may open or post each portal route. A person outside it gets the 403 page;
// no one signed in is sent to sign in (303); an API key is refused (pages are for people); an
// auditor whose grant ended is signed out with the reason. A second test proves the table lists
// every portal route the app serves, and a third that a form post without the session's CSRF
// token is refused even for someone allowed.

type Who = 'admin' | 'compliance_officer' | 'auditor';
const PEOPLE: Who[] = ['admin', 'compliance_officer', 'auditor'];
const EDITORS: Who[] = ['admin', 'compliance_officer'];
const ADMINS: Who[] = ['admin'];
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';

interface PortalRoute {
  route: string;
  allowed: Who[] | 'everyone';
  /** Status for an allowed person (the route ran; a 4xx here means it refused the input). */
  ok: number;
  form?: Record<string, string>;
}

const ROUTES: PortalRoute[] = [
  { route: 'GET /', allowed: PEOPLE, ok: 200 },
  { route: 'GET /generations', allowed: PEOPLE, ok: 200 },
  { route: 'GET /generations/export.csv', allowed: PEOPLE, ok: 200 },
  { route: 'GET /generations/:recordId', allowed: PEOPLE, ok: 404 },
  {
    route: 'POST /generations/:recordId/reviews',
    allowed: EDITORS,
    ok: 422,
    form: { verdict: 'maybe' },
  },
  { route: 'POST /generations/:recordId/erasure', allowed: ADMINS, ok: 422, form: { reason: 'x' } },
  { route: 'GET /reports', allowed: PEOPLE, ok: 200 },
  { route: 'POST /reports', allowed: EDITORS, ok: 422, form: { kind: 'nonsense' } },
  { route: 'POST /log-verifications', allowed: EDITORS, ok: 303 },
  { route: 'GET /policies', allowed: PEOPLE, ok: 200 },
  {
    route: 'POST /policies/:applicationId',
    allowed: EDITORS,
    ok: 422,
    form: { rules: 'not json' },
  },
  { route: 'GET /admin', allowed: ADMINS, ok: 200 },
  {
    route: 'POST /admin/people',
    allowed: ADMINS,
    ok: 422,
    form: { email: 'not an address', role: 'admin' },
  },
  { route: 'POST /admin/people/:userId/disable', allowed: ADMINS, ok: 404 },
  {
    route: 'POST /admin/grants',
    allowed: ADMINS,
    ok: 422,
    form: { userId: 'x', validUntil: 'soon' },
  },
  { route: 'POST /admin/grants/:grantId/revoke', allowed: ADMINS, ok: 404 },
  { route: 'POST /admin/applications', allowed: ADMINS, ok: 422, form: { name: '' } },
  { route: 'POST /admin/applications/:applicationId/keys', allowed: ADMINS, ok: 422 },
  { route: 'POST /admin/keys/:keyId/revoke', allowed: ADMINS, ok: 404 },
  { route: 'GET /account/password', allowed: PEOPLE, ok: 200 },
  {
    route: 'POST /account/password',
    allowed: PEOPLE,
    ok: 422,
    form: { newPassword: 'a', confirmPassword: 'b' },
  },
  { route: 'POST /sign-out', allowed: PEOPLE, ok: 303 },
  { route: 'GET /sign-in', allowed: 'everyone', ok: 200 },
  { route: 'POST /sign-in', allowed: 'everyone', ok: 403 },
  { route: 'GET /signed-out', allowed: 'everyone', ok: 200 },
  { route: 'GET /assets/:name', allowed: 'everyone', ok: 404 },
];

const pathOf = (route: string) => route.split(' ')[1].replace(/:\w+/g, NO_SUCH_ID);

describe('portal: authorization matrix', () => {
  let t: TestApp;
  let w: World;

  beforeAll(async () => {
    t = await createTestApp();
    w = await newWorld(t);
  }, 60_000);
  afterAll(() => t?.close());

  /** A page request as a browser sends it: the session cookie, and a form with its _csrf. */
  const send = (
    route: string,
    caller: Person | { key: string } | undefined,
    form?: Record<string, string>,
  ) => {
    const [method, path] = [route.split(' ')[0].toLowerCase() as 'get' | 'post', pathOf(route)];
    let req = request(t.app.getHttpServer())[method](path).redirects(0);
    if (caller && 'key' in caller) req = req.set('Authorization', `Bearer ${caller.key}`);
    else if (caller) req = req.set('Cookie', caller.cookie);
    if (method === 'post') {
      req = req
        .type('form')
        .send({ ...(caller && 'csrf' in caller ? { _csrf: caller.csrf } : {}), ...form });
    }
    return req;
  };

  for (const spec of ROUTES) {
    it(`${spec.route}: ${spec.allowed === 'everyone' ? 'everyone' : spec.allowed.join(', ')}`, async () => {
      const cells: string[] = [];
      const expectCell = (who: string, actual: number, expected: number, location?: string) => {
        if (actual !== expected)
          cells.push(`${who}: ${actual} (${location ?? ''}), expected ${expected}`);
      };
      const anonymous = await send(spec.route, undefined, spec.form);
      if (spec.allowed === 'everyone') {
        expectCell('anonymous', anonymous.status, spec.ok);
      } else {
        expectCell('anonymous', anonymous.status, 303);
        if (!String(anonymous.headers.location).startsWith('/sign-in'))
          cells.push(`anonymous: sent to ${anonymous.headers.location}`);
        const key = await send(spec.route, { key: w.keys['records:read'].key }, spec.form);
        expectCell('key', key.status, 403);
        const expired = await send(spec.route, w.people.expired_auditor, spec.form);
        const selfService = spec.route.includes('/account/') || spec.route === 'POST /sign-out';
        if (!selfService) {
          expectCell('expired auditor', expired.status, 303, expired.headers.location);
          if (expired.headers.location !== '/signed-out?reason=grant-expired')
            cells.push(`expired auditor: sent to ${expired.headers.location}`);
        }
        for (const who of ['admin', 'compliance_officer', 'auditor'] as const) {
          // Signing out ends the session: each person signs out with a session of their own.
          const person = spec.route === 'POST /sign-out' ? await fresh(who) : w.people[who];
          const res = await send(spec.route, person, spec.form);
          expectCell(
            who,
            res.status,
            spec.allowed.includes(who) ? spec.ok : 403,
            res.headers.location,
          );
          if (res.status < 300 && !String(res.headers['content-type']).match(/text\/(html|csv)/)) {
            cells.push(`${who}: answered ${res.headers['content-type']}, not a page`);
          }
        }
      }
      expect(cells).toEqual([]);
    });
  }

  const fresh = async (who: 'admin' | 'compliance_officer' | 'auditor'): Promise<Person> => {
    const p = w.people[who];
    const res = await request(t.app.getHttpServer())
      .post('/v1/auth/sign-in')
      .send({ organisation: w.slug, email: p.email, password: p.password });
    const body = res.body as { csrfToken: string };
    const cookie = String(res.headers['set-cookie'][0]).split(';')[0];
    return { ...p, cookie, csrf: body.csrfToken };
  };

  it('lists every portal route the application serves', () => {
    type Layer = { route?: { path: string; methods: Record<string, boolean> } };
    type Express = { router?: { stack: Layer[] }; _router?: { stack: Layer[] } };
    const instance = t.app.getHttpAdapter().getInstance() as Express;
    // Express 5 names it `router`, Express 4 `_router`.
    const router = (instance.router ?? instance._router)!;
    const served = router.stack
      // Catch-alls (Nest's handler of unknown routes) are not routes of ours.
      .filter((layer) => layer.route && !/splat|\*/.test(layer.route.path))
      .flatMap((layer) =>
        Object.keys(layer.route!.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path}`),
      )
      .filter(
        (r) =>
          !/ \/(v1|docs|docs-json|health|ready|metrics|\.well-known)\b/.test(r) &&
          !r.includes('/docs'),
      )
      .sort();
    expect(ROUTES.map((r) => r.route).sort()).toEqual(served);
  });

  it('refuses a form post without the session CSRF token, even from someone allowed', async () => {
    const officer = w.people.compliance_officer;
    const res = await request(t.app.getHttpServer())
      .post('/reports')
      .redirects(0)
      .set('Cookie', officer.cookie)
      .type('form')
      .send({ kind: 'case-file', caseId: 'CASE-1', _csrf: 'forged' });
    expect(res.status).toBe(403);
    expect(res.text).toMatch(/_csrf/);
    const none = await request(t.app.getHttpServer())
      .post('/reports')
      .redirects(0)
      .set('Cookie', officer.cookie)
      .type('form')
      .send({ kind: 'case-file', caseId: 'CASE-1' });
    expect(none.status).toBe(403);
  });
});
