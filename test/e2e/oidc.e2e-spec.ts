import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { AuthEventsService } from 'src/auth-events/auth-events.service';
import { UsersService } from 'src/users/users.service';
import { newWorld, signIn, unique, World } from 'test/support/auth-fixtures';
import { freePort } from 'test/support/ports';
import { OpenApiDoc, ResponseValidator } from 'test/support/openapi-validator';
import { createTestApp, TestApp } from 'test/support/test-app';

/**
 * OpenID Connect sign-in against a real provider (oidc-provider in its own process): the browser's
 * round trip is driven by hand, cookie by cookie, as a browser would: the service's start, the
 * provider's authorization endpoint and login step, and the callback.
 */
const PUBLIC_URL = 'http://127.0.0.1:39401';
const CLIENT = { id: 'audit-portal', secret: 'oidc test client secret, not a secret' };

interface Account {
  email?: string;
  email_verified?: boolean;
}

describe('sign-in through an OpenID Connect provider', () => {
  let provider: ChildProcess;
  let issuer: string;
  let t: TestApp;
  let w: World;
  let v: ResponseValidator;
  const accounts: Record<string, Account> = {};

  beforeAll(async () => {
    const port = await freePort();
    t = await createTestApp({ runWorkers: false, env: placeholderEnv(port) });
    w = await newWorld(t);
    v = new ResponseValidator(
      (await request(t.app.getHttpServer()).get('/docs-json')).body as OpenApiDoc,
    );
    // Accounts at the provider: one per case below, by e-mail of this tenant's users.
    Object.assign(accounts, {
      officer: { email: w.people.compliance_officer.email.toUpperCase(), email_verified: true },
      unverified: { email: w.people.admin.email, email_verified: false },
      stranger: { email: 'nobody@elsewhere.example', email_verified: true },
      twin: { email: w.people.compliance_officer.email, email_verified: true },
      'no-email': {},
    });
    provider = spawn(process.execPath, [join(__dirname, '..', 'support', 'oidc-provider.mjs')], {
      env: {
        ...process.env,
        PORT: String(port),
        CLIENT_ID: CLIENT.id,
        CLIENT_SECRET: CLIENT.secret,
        REDIRECT_URI: `${PUBLIC_URL}/v1/auth/oidc/callback`,
        ACCOUNTS: JSON.stringify(accounts),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    issuer = await new Promise<string>((resolve, reject) => {
      let out = '';
      provider.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const ready = /ready (\S+)/.exec(out);
        if (ready) resolve(ready[1]);
      });
      provider.once('exit', (code) => reject(new Error(`the provider exited (${code})`)));
    });
  });
  afterAll(async () => {
    provider?.kill('SIGTERM');
    await t?.close();
  });

  /**
   * A browser's sign-in: the service's start, then the provider (following its redirects with
   * its cookies, logging in as `login` at its login step), up to the redirect back to us.
   * Returns the callback's answer from the service.
   */
  async function browserSignIn(
    login: string | null,
    options: { organisation?: string; tamper?: (callback: URL) => void; dropCookie?: boolean } = {},
  ): Promise<request.Response> {
    const start = await request(t.app.getHttpServer())
      .get('/v1/auth/oidc/start')
      .query({ organisation: options.organisation ?? w.slug, returnTo: '/reports' });
    expect(start.status).toBe(302);
    expect(documented('/v1/auth/oidc/start', start)).toEqual([]);
    const flowCookie = cookieNamed(start, 'audit_oidc');
    expect(flowCookie).toMatch(/HttpOnly/i);
    expect(flowCookie).toMatch(/SameSite=Lax/i);
    const jar = new Map<string, string>();
    let next = new URL(start.headers.location);
    expect(next.origin).toBe(issuer);
    expect(next.searchParams.get('code_challenge_method')).toBe('S256');
    for (let hops = 0; next.origin === issuer; hops++) {
      if (hops > 10) throw new Error('the provider redirects in circles');
      if (next.pathname.startsWith('/interaction/')) {
        if (login) next.searchParams.set('login', login);
        else next.searchParams.set('deny', '1');
      }
      const res = await fetch(next, {
        redirect: 'manual',
        headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        jar.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      const location = res.headers.get('location');
      if (!location) throw new Error(`the provider answered ${res.status}: ${await res.text()}`);
      next = new URL(location, next);
    }
    expect(next.origin).toBe(PUBLIC_URL);
    options.tamper?.(next);
    const callback = request(t.app.getHttpServer()).get(`${next.pathname}${next.search}`);
    const answer = await (options.dropCookie
      ? callback
      : callback.set('Cookie', (flowCookie ?? '').split(';')[0]));
    expect(documented('/v1/auth/oidc/callback', answer)).toEqual([]);
    return answer;
  }

  /** The answer against its operation in the service's OpenAPI document. */
  function documented(path: string, res: request.Response): string[] {
    const body = res.text === '' ? undefined : res.text;
    return v.problems('GET', path, { status: res.status, headers: res.headers, body });
  }

  async function sessionOf(res: request.Response) {
    const cookie = cookieNamed(res, 'audit_session');
    expect(cookie).toBeDefined();
    const session = await request(t.app.getHttpServer())
      .get('/v1/auth/session')
      .set('Cookie', (cookie ?? '').split(';')[0]);
    expect(session.status).toBe(200);
    return session.body as { email: string; userId: string; role: string };
  }

  const trail = async () => (await t.app.get(AuthEventsService).list(w.tenantId, 100)).events;

  it('signs in the user whose e-mail the provider verified, links the identity, and keeps it linked', async () => {
    const first = await browserSignIn('officer');
    expect(first.status).toBe(200);
    // The continue page, same-site, so the Strict session cookie goes with the next request.
    expect(first.text).toContain('url=/reports');
    const session = await sessionOf(first);
    expect(session).toMatchObject({
      email: w.people.compliance_officer.email,
      role: 'compliance_officer',
    });
    const events = await trail();
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['identity.linked', 'sign_in.succeeded']),
    );
    expect(events.find((e) => e.type === 'identity.linked')?.details).toMatchObject({
      issuer,
      subject: 'officer',
    });

    // The link is by subject: another identity with the same e-mail does not get the account.
    const twin = await browserSignIn('twin');
    expect(twin.status).toBe(303);
    expect(twin.headers.location).toBe('/sign-in?failed=identity_not_linked');
    expect(cookieNamed(twin, 'audit_session')).toBeUndefined();

    // And the linked subject signs in again; password sign-in stays for everyone.
    expect((await sessionOf(await browserSignIn('officer'))).userId).toBe(session.userId);
    const password = await signIn(t, w.slug, w.people.admin.email, w.people.admin.password);
    expect(password.status).toBe(200);
  });

  it('refuses an unverified or missing e-mail, an unknown person, and a wrong organisation', async () => {
    for (const [login, reason] of [
      ['unverified', 'email_not_verified'],
      ['no-email', 'no_email'],
      ['stranger', 'unknown_user'],
    ] as const) {
      const res = await browserSignIn(login);
      expect([login, res.status, res.headers.location]).toEqual([
        login,
        303,
        '/sign-in?failed=identity_not_linked',
      ]);
      expect(cookieNamed(res, 'audit_session')).toBeUndefined();
      const failed = (await trail()).find(
        (e) => e.type === 'sign_in.failed' && e.details?.subject === login,
      );
      expect(failed?.details).toMatchObject({ method: 'oidc', reason });
    }
    const elsewhere = await browserSignIn('officer', { organisation: unique('no-such-org') });
    expect(elsewhere.headers.location).toBe('/sign-in?failed=identity_not_linked');
    // The portal says why in its own words, never in words from the URL.
    const page = await request(t.app.getHttpServer()).get('/sign-in?failed=identity_not_linked');
    expect(page.status).toBe(401);
    expect(page.text).toContain('this organisation has no user it could match');
    expect(page.text).toContain('Sign in with 127.0.0.1');
  });

  it('refuses an answer whose state was changed, one without its flow cookie, and a refusal at the provider', async () => {
    const changed = await browserSignIn('officer', {
      tamper: (u) => u.searchParams.set('state', 'forged-state'),
    });
    expect(changed.headers.location).toBe('/sign-in?failed=oidc_sign_in_failed');
    const lost = await browserSignIn('officer', { dropCookie: true });
    expect(lost.headers.location).toBe('/sign-in?failed=oidc_sign_in_expired');
    const denied = await browserSignIn(null);
    expect(denied.headers.location).toBe('/sign-in?failed=oidc_sign_in_failed');
    for (const res of [changed, lost, denied]) {
      expect(cookieNamed(res, 'audit_session')).toBeUndefined();
    }
    // A code can be spent once: replaying a good callback fails.
    let callback = '';
    const good = await browserSignIn('officer', {
      tamper: (u) => (callback = `${u.pathname}${u.search}`),
    });
    expect(good.status).toBe(200);
    const replay = await request(t.app.getHttpServer())
      .get(callback)
      .set('Cookie', good.request.getHeader('Cookie'));
    expect(replay.headers.location).toBe('/sign-in?failed=oidc_sign_in_failed');
  });

  it('voids the one-time password of a new user who signs in through the provider', async () => {
    const made = await t.app
      .get(UsersService)
      .createUser(
        w.tenantId,
        { email: `${unique('newcomer')}@example.org`, role: 'compliance_officer' },
        { userId: null },
      );
    accounts.newcomer = { email: made.user.email, email_verified: true };
    // The provider's accounts are fixed at start: this one is added through its own process.
    provider.kill('SIGTERM');
    await new Promise((resolve) => provider.once('exit', resolve));
    provider = spawn(process.execPath, [join(__dirname, '..', 'support', 'oidc-provider.mjs')], {
      env: {
        ...process.env,
        PORT: new URL(issuer).port,
        CLIENT_ID: CLIENT.id,
        CLIENT_SECRET: CLIENT.secret,
        REDIRECT_URI: `${PUBLIC_URL}/v1/auth/oidc/callback`,
        ACCOUNTS: JSON.stringify(accounts),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve) =>
      provider.stdout?.on('data', (c: Buffer) => c.toString().includes('ready') && resolve()),
    );
    const res = await browserSignIn('newcomer');
    expect((await sessionOf(res)).email).toBe(made.user.email);
    const withOneTime = await signIn(t, w.slug, made.user.email, made.oneTimePassword);
    expect(withOneTime.status).toBe(401);
  });

  function placeholderEnv(port: number): Record<string, string> {
    return {
      OIDC_ISSUER: `http://127.0.0.1:${port}`,
      OIDC_CLIENT_ID: CLIENT.id,
      OIDC_CLIENT_SECRET: CLIENT.secret,
      PUBLIC_URL,
      SIGN_IN_RATE_PER_MINUTE: '10000',
    };
  }
});

function cookieNamed(res: request.Response, name: string): string | undefined {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  return raw?.find((c) => c.startsWith(`${name}=`) && !c.startsWith(`${name}=;`));
}
