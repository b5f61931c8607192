import { createHmac } from 'node:crypto';
import { Client, DatabaseError } from 'pg';

/** The group role the migrations grant table privileges to. */
export const APP_ROLE = 'audit_app';

export class AppRoleError extends Error {}

/**
 * The URL the service's queries run on: `DATABASE_APP_URL` when set, otherwise the admin URL with
 * user `audit_app` and a password derived from the admin URL's server and credentials. Derivation (rather than a random
 * password kept somewhere) gives every process that shares the admin URL the same credential,
 * with no file to share and no race between processes that start together.
 */
export function appDatabaseUrl(adminUrl: string, configured?: string): string {
  if (configured) return configured;
  const url = new URL(adminUrl);
  // Keyed on the server and the admin credentials, not the database: the role belongs to the
  // whole cluster, so every database on it must agree on one password.
  const cluster = `${url.username}:${url.password}@${url.host}`;
  url.username = APP_ROLE;
  url.password = createHmac('sha256', cluster).update('audit_app login v1').digest('base64url');
  return url.toString();
}

interface RoleFacts {
  user: string;
  superuser: boolean;
  bypassRls: boolean;
  member: boolean;
}

async function roleFacts(url: string): Promise<RoleFacts> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const { rows } = await client.query<RoleFacts>(
      `SELECT current_user AS "user", r.rolsuper AS superuser, r.rolbypassrls AS "bypassRls",
              pg_has_role(current_user, $1, 'MEMBER') AS member
         FROM pg_roles r WHERE r.rolname = current_user`,
      [APP_ROLE],
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

// 28P01 invalid_password, 28000 invalid_authorization_specification (e.g. no such role,
// role may not log in).
const LOGIN_REFUSED = new Set(['28P01', '28000']);
// Two processes altering the same role at once: "tuple concurrently updated" or a duplicate.
const RACE = new Set(['XX000', '23505', '42710']);

/**
 * Makes sure the application role can log in with the URL's password (creating or updating the
 * login through the admin connection only when the login is refused), then refuses to go on if
 * that role could read past row-level security.
 */
export async function ensureAppRole(adminUrl: string, appUrl: string): Promise<RoleFacts> {
  let facts: RoleFacts;
  try {
    facts = await roleFacts(appUrl);
  } catch (error) {
    if (!(error instanceof DatabaseError) || !LOGIN_REFUSED.has(error.code ?? '')) throw error;
    await provisionLogin(adminUrl, appUrl);
    facts = await roleFacts(appUrl);
  }
  if (facts.superuser || facts.bypassRls) {
    throw new AppRoleError(
      `the application database role "${facts.user}" is ${facts.superuser ? 'a superuser' : 'allowed BYPASSRLS'}, so row-level security would not apply to it; point DATABASE_APP_URL at an ordinary role (or leave it unset)`,
    );
  }
  if (!facts.member) {
    throw new AppRoleError(
      `the application database role "${facts.user}" is not a member of ${APP_ROLE}; run: GRANT ${APP_ROLE} TO "${facts.user}"`,
    );
  }
  return facts;
}

async function provisionLogin(adminUrl: string, appUrl: string): Promise<void> {
  const url = new URL(appUrl);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  if (!user || !password) {
    throw new AppRoleError('DATABASE_APP_URL must name a user and a password');
  }
  const admin = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await admin.connect();
  try {
    const role = admin.escapeIdentifier(user);
    const secret = admin.escapeLiteral(password);
    for (let attempt = 1; ; attempt++) {
      try {
        const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user]);
        if (exists.rowCount === 0) await admin.query(`CREATE ROLE ${role} NOLOGIN`);
        await admin.query(
          `ALTER ROLE ${role} WITH LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD ${secret}`,
        );
        if (user !== APP_ROLE) await admin.query(`GRANT ${APP_ROLE} TO ${role}`);
        return;
      } catch (error) {
        const code = error instanceof DatabaseError ? (error.code ?? '') : '';
        if (!RACE.has(code) || attempt >= 5) throw error;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  } finally {
    await admin.end();
  }
}
