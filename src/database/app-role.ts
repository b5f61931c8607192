import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
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
  /** Tenant tables whose owner this role is, or whose owner's rights it holds. */
  owns: string[];
}

// Table owners are exempt from RLS policies (without FORCE ROW LEVEL SECURITY, which would also
// bind the SECURITY DEFINER look-ups), so the role must own none of them, nor be a member of an
// owner.
const TENANT_TABLES = [
  'tenants',
  'users',
  'auditor_grants',
  'applications',
  'api_keys',
  'sessions',
  'auth_events',
  'log_heads',
  'log_entries',
  'records',
  'record_texts',
  'record_text_keys',
  'checkpoints',
  'policies',
  'jobs',
  'reports',
  'report_texts',
  'user_identities',
];

async function roleFacts(url: string): Promise<RoleFacts> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const { rows } = await client.query<RoleFacts>(
      `SELECT current_user AS "user", r.rolsuper AS superuser, r.rolbypassrls AS "bypassRls",
              pg_has_role(current_user, $1, 'MEMBER') AS member,
              ARRAY(SELECT c.relname::text FROM pg_class c
                     WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY($2)
                       AND pg_has_role(current_user, c.relowner, 'MEMBER')
                     ORDER BY 1) AS owns
         FROM pg_roles r WHERE r.rolname = current_user`,
      [APP_ROLE, TENANT_TABLES],
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
 * Makes sure the application role can log in and then refuses to go on if that role could read
 * past row-level security. Only the derived `audit_app` login (no DATABASE_APP_URL) is created or
 * given its password here: a role someone configured is never altered, only checked.
 */
export async function ensureAppRole(
  adminUrl: string,
  appUrl: string,
  options: { provision: boolean },
): Promise<RoleFacts> {
  let facts: RoleFacts;
  try {
    facts = await roleFacts(appUrl);
  } catch (error) {
    const refused = error instanceof DatabaseError && LOGIN_REFUSED.has(error.code ?? '');
    if (!refused || !options.provision) {
      throw new AppRoleError(
        `cannot log in as the application database role (${error instanceof Error ? error.message : String(error)}); check DATABASE_APP_URL`,
      );
    }
    await provisionLogin(adminUrl, appUrl);
    facts = await roleFacts(appUrl);
  }
  if (facts.superuser || facts.bypassRls) {
    throw new AppRoleError(
      `the application database role "${facts.user}" is ${facts.superuser ? 'a superuser' : 'allowed BYPASSRLS'}, so row-level security would not apply to it; point DATABASE_APP_URL at an ordinary role (or leave it unset)`,
    );
  }
  if (facts.owns.length > 0) {
    throw new AppRoleError(
      `the application database role "${facts.user}" owns (or holds the rights of the owner of) ${facts.owns.join(', ')}, and owners are exempt from row-level security; use a separate role for DATABASE_APP_URL (or leave it unset)`,
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
  if (user !== APP_ROLE || !password) {
    throw new AppRoleError(`only the derived ${APP_ROLE} login is provisioned automatically`);
  }
  const admin = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await admin.connect();
  try {
    // The server receives a SCRAM verifier, never the password: a failing statement that the
    // server logs cannot leak it.
    const verifier = admin.escapeLiteral(scramVerifier(password));
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(
          `ALTER ROLE ${APP_ROLE} WITH LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD ${verifier}`,
        );
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

/** A PostgreSQL SCRAM-SHA-256 verifier (RFC 5802 / RFC 7677), as `pg_authid` stores it. */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  const b64 = (b: Buffer) => b.toString('base64');
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}
