import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { Scope, SCOPES } from 'src/access/scopes';
import { ApplicationsService } from 'src/applications/applications.service';
import { ProvisioningService } from 'src/provisioning/provisioning.service';
import { Role } from 'src/access/roles';
import { UsersService } from 'src/users/users.service';
import { TestApp } from 'test/support/test-app';

/** A signed-in person: the cookie and CSRF token a browser would hold, and their password. */
export interface Person {
  userId: string;
  email: string;
  role: Role;
  password: string;
  cookie: string;
  csrf: string;
}

/** How a test request authenticates: as a person, with an API key, or not at all. */
export type Caller = Person | { key: string } | undefined;

export function unique(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

type Method = 'get' | 'post';

/** A request as `caller`: cookie plus CSRF header for a person, Bearer for a key. */
export function call(t: TestApp, method: Method, path: string, caller?: Caller, body?: object) {
  let req = request(t.app.getHttpServer())[method](path);
  if (caller && 'key' in caller) req = req.set('Authorization', `Bearer ${caller.key}`);
  else if (caller) req = req.set('Cookie', caller.cookie).set('x-csrf-token', caller.csrf);
  return body === undefined ? req : req.send(body);
}

export async function signIn(
  t: TestApp,
  organisation: string,
  email: string,
  password: string,
): Promise<request.Response> {
  return request(t.app.getHttpServer())
    .post('/v1/auth/sign-in')
    .send({ organisation, email, password });
}

function sessionCookie(res: request.Response): string {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  const cookie = raw?.find((c) => c.startsWith('audit_session='));
  if (!cookie)
    throw new Error(`no session cookie (status ${res.status}: ${JSON.stringify(res.body)})`);
  return cookie.split(';')[0];
}

/** Signs in with a one-time password and replaces it, as a new user would. */
export async function activate(
  t: TestApp,
  organisation: string,
  user: { userId: string; email: string; role: Role },
  oneTimePassword: string,
): Promise<Person> {
  const first = await signIn(t, organisation, user.email, oneTimePassword);
  const body = first.body as { csrfToken: string };
  const person: Person = {
    ...user,
    password: oneTimePassword,
    cookie: sessionCookie(first),
    csrf: body.csrfToken,
  };
  const password = `${unique('own passphrase')} long enough`;
  const changed = await call(t, 'post', '/v1/auth/password', person, {
    currentPassword: oneTimePassword,
    newPassword: password,
  });
  if (changed.status !== 204) throw new Error(`password change: ${JSON.stringify(changed.body)}`);
  return { ...person, password };
}

/** A fresh session for someone already activated. */
export async function signInAgain(t: TestApp, organisation: string, p: Person): Promise<Person> {
  const res = await signIn(t, organisation, p.email, p.password);
  return { ...p, cookie: sessionCookie(res), csrf: (res.body as { csrfToken: string }).csrfToken };
}

/**
 * A tenant with one signed-in person per role, an auditor whose grant has expired, one key per
 * scope, and spare objects for routes that change things (so tests never disable or revoke the
 * callers themselves).
 */
export interface World {
  tenantId: string;
  slug: string;
  people: Record<Role | 'expired_auditor', Person>;
  keys: Record<Scope, { key: string; id: string }>;
  applicationId: string;
  spare: { userId: string; auditorId: string; grantId: string; keyId: string };
  /** Every secret handed out, for the log grep. */
  secrets: string[];
}

export async function newWorld(t: TestApp, name = unique('Tenant')): Promise<World> {
  const tenants = t.app.get(ProvisioningService);
  const users = t.app.get(UsersService);
  const applications = t.app.get(ApplicationsService);
  const operator = { userId: null };
  const created = await tenants.create({ name, adminEmail: `${unique('admin')}@example.org` });
  const { id: tenantId, slug } = created.tenant;
  const secrets = [created.admin.oneTimePassword];
  const person = async (role: Role) => {
    const made = await users.createUser(
      tenantId,
      { email: `${unique(role)}@example.org`, role },
      operator,
    );
    secrets.push(made.oneTimePassword);
    return made;
  };
  const future = new Date(Date.now() + 3_600_000).toISOString();
  const asPerson = async (made: {
    user: { id: string; email: string; role: Role };
    oneTimePassword: string;
  }) => {
    const p = await activate(
      t,
      slug,
      { userId: made.user.id, email: made.user.email, role: made.user.role },
      made.oneTimePassword,
    );
    secrets.push(p.password, p.cookie.split('=')[1], p.csrf);
    return p;
  };

  const admin = await asPerson(created.admin);
  const compliance = await asPerson(await person('compliance_officer'));
  const auditorMade = await person('auditor');
  await users.grantAuditor(tenantId, { userId: auditorMade.user.id, validUntil: future }, operator);
  const auditor = await asPerson(auditorMade);
  const expiredMade = await person('auditor');
  const expiredGrant = await users.grantAuditor(
    tenantId,
    { userId: expiredMade.user.id, validUntil: future },
    operator,
  );
  const expired = await asPerson(expiredMade);
  await users.revokeGrant(tenantId, expiredGrant.id, operator);

  const keys = {} as World['keys'];
  let applicationId = '';
  for (const scope of SCOPES) {
    const made = await applications.createApplication(
      tenantId,
      { name: unique(`app-${scope}`), scopes: [scope] },
      operator,
    );
    keys[scope] = { key: made.key.key, id: made.key.id };
    applicationId = made.application.id;
    secrets.push(made.key.key);
  }
  const spareUser = await person('compliance_officer');
  const spareAuditor = await person('auditor');
  const spareGrant = await users.grantAuditor(
    tenantId,
    { userId: spareAuditor.user.id, validUntil: future },
    operator,
  );
  const spareKey = await applications.issueKey(
    tenantId,
    applicationId,
    { scopes: ['reports'] },
    operator,
  );
  secrets.push(spareKey.key);
  return {
    tenantId,
    slug,
    people: { admin, compliance_officer: compliance, auditor, expired_auditor: expired },
    keys,
    applicationId,
    spare: {
      userId: spareUser.user.id,
      auditorId: spareAuditor.user.id,
      grantId: spareGrant.id,
      keyId: spareKey.id,
    },
    secrets,
  };
}
